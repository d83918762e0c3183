"""Creating accounts and the emails that come with them."""

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from accounts.exceptions import EMAIL_TAKEN, USERNAME_TAKEN
from accounts.models import User
from accounts.selectors import user_list_by_username
from accounts.validators import password_validate
from core.tasks import task_enqueue_on_commit


def _user_new(*, email: str, username: str, display_name: str = "") -> User:
    return User(
        email=User.objects.normalize_email(email),
        username=username,
        display_name=display_name,
        status=User.Status.PENDING,
    )


def user_register_validate(
    *, email: str | None, username: str | None, password: str | None
) -> None:
    """Refuse what registration refuses, as one `ValidationError`: `email_taken` and
    `username_taken` (whatever the case; both when both are), else the password
    validators' codes on `password` (`password_too_short`, ...). A None value is not
    checked (a form that already refused it; no password: an account without one).

    The shape of each value (lengths, the email and username patterns, reserved
    names) is the caller's serializer's or form's.
    """
    errors = {}
    if email is not None and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [EMAIL_TAKEN.detail()]
    if username is not None and user_list_by_username(username).exists():
        errors["username"] = [USERNAME_TAKEN.detail()]
    if errors:
        raise ValidationError(errors)
    if password is not None:
        candidate = _user_new(email=email or "", username=username or "")
        try:
            password_validate(password, candidate)
        except ValidationError as error:
            raise ValidationError({"password": error.detail}) from error


def user_register(
    *, email: str, username: str, password: str | None, display_name: str = ""
) -> User:
    """A new `pending` account; a verification email is sent once it is committed.
    Refuses what `user_register_validate` refuses. `password` None (staff, in the
    admin) makes an account that cannot sign in with a password.

    Email and username are unique whatever their case: a concurrent registration of
    the same one loses with `email_taken` or `username_taken`, never a server error.
    """
    user_register_validate(email=email, username=username, password=password)
    user = _user_new(email=email, username=username, display_name=display_name)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            task_enqueue_on_commit("accounts.tasks.email_verification_send_task", str(user.pk))
    except IntegrityError as error:
        if User.objects.filter(email__iexact=user.email).exists():
            raise EMAIL_TAKEN.error() from error
        if user_list_by_username(username).exists():
            raise USERNAME_TAKEN.error() from error
        raise
    return user
