"""Creating accounts and the emails that come with them."""

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from accounts.exceptions import EMAIL_TAKEN, USERNAME_TAKEN
from accounts.models import User
from accounts.validators import password_validate
from core.tasks import task_enqueue_on_commit


def user_register(*, email: str, username: str, password: str, display_name: str = "") -> User:
    """A new `pending` account; a verification email is sent once it is committed.

    Email and username are unique whatever their case: a concurrent registration of
    the same one loses with `email_taken` or `username_taken`, never a server error.
    """
    user = User(
        email=User.objects.normalize_email(email),
        username=username,
        display_name=display_name,
        status=User.Status.PENDING,
    )
    try:
        password_validate(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.detail}) from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            task_enqueue_on_commit("accounts.tasks.email_verification_send_task", str(user.pk))
    except IntegrityError as error:
        if User.objects.filter(email__iexact=user.email).exists():
            raise ValidationError({"email": [EMAIL_TAKEN]}) from error
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": [USERNAME_TAKEN]}) from error
        raise
    return user
