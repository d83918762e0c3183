"""The user's own account: profile fields, avatar, and deleting the account.

Each write locks the user's row and re-reads it, so it never overwrites what a
concurrent request (another edit, a deletion, a staff action) just committed, and it
refuses accounts that may no longer sign in. Avatar files are written to the storage
before the transaction and old ones deleted only once it commits: a rollback never
leaves the row pointing at a missing file.
"""

import io
import re
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp import device_classes
from PIL import Image, ImageOps
from rest_framework.exceptions import ValidationError

from accounts.clients import UNKNOWN_CLIENT, ClientInfo
from accounts.exceptions import (
    AVATAR_NOT_AN_IMAGE,
    AVATAR_TOO_LARGE,
    AVATAR_TOO_MANY_PIXELS,
    BIRTH_DATE_IN_FUTURE,
    EMAIL_TAKEN,
    INVALID_COUNTRY,
    INVALID_INTEREST,
    INVALID_LANGUAGE,
    INVALID_PASSWORD,
    TOO_YOUNG,
    USERNAME_TAKEN,
    AccountInactive,
)
from accounts.models import (
    MINIMUM_AGE_YEARS,
    AuthSession,
    SignInAttempt,
    TwoFactorChallenge,
    User,
)
from accounts.selectors import user_can_act, user_list_by_username
from accounts.services.sessions import sessions_end_for_user
from accounts.throttling import password_confirm_refused, sign_in_limit_check, sign_in_subject
from core.events import account_made_public
from core.locks import user_lock

AVATAR_SIZE = 512  # avatars fit in a square this many pixels wide, aspect kept
AVATAR_JPEG_QUALITY = 85
# Only these decoders ever see an upload: Pillow's rarer ones (EPS runs Ghostscript,
# PSD, TIFF, ...) are more attack surface than an avatar is worth.
AVATAR_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Decoding allocates about 4 bytes a pixel. JPEGs are decoded at a reduced scale
# (`draft`), so a large phone photo stays cheap; other formats must be this small.
AVATAR_MAX_PIXELS = 25_000_000

COUNTRY_PATTERN = re.compile(r"^[A-Za-z]{2}\Z")
LANGUAGE_PATTERN = re.compile(r"^[A-Za-z]{2,3}\Z")  # ISO 639 primary tags only
# `birth_date=KEEP` leaves it as it is (None clears it).
KEEP: Any = object()


def _user_lock(user: User, *, by_staff: bool = False) -> User:
    """Lock and re-read `user`'s row; unless staff make the change (`by_staff`, the
    admin site), refuse an account that may no longer sign in (deleted, banned, ...
    since the request was authenticated)."""
    locked = user_lock(user)
    if not by_staff and not user_can_act(locked):
        raise AccountInactive()
    return locked


def _username_taken(username: str, *, user: User) -> bool:
    """Whether another account holds `username` whatever its case. Deleted accounts
    keep theirs: their rows stay."""
    return user_list_by_username(username).exclude(pk=user.pk).exists()


def user_email_taken(email: str, *, user: User) -> bool:
    """Whether another account holds `email`, whatever its case."""
    return User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


def user_account_update_by_staff(
    *,
    user: User,
    email: str | None = None,
    email_verified: bool | None = None,
    metadata: dict | None = None,
) -> User:
    """Staff's change (the admin site) of the account fields no other service owns: the
    email address, whether it is verified, and metadata (None leaves a field as it is).
    Returns the user, freshly read. An address another account holds, whatever its
    case, is refused with `email_taken`, a concurrent claim included."""
    changes = {
        name: value
        for name, value in {
            "email": email,
            "email_verified": email_verified,
            "metadata": metadata,
        }.items()
        if value is not None
    }
    if email is not None and user_email_taken(email, user=user):
        raise EMAIL_TAKEN.error()
    try:
        with transaction.atomic():
            locked = _user_lock(user, by_staff=True)
            for name, value in changes.items():
                setattr(locked, name, value)
            if changes:
                locked.save(update_fields=[*changes, "updated_at"])
    except IntegrityError as error:
        if email is not None and user_email_taken(email, user=user):
            raise EMAIL_TAKEN.error() from error
        raise
    return locked


def _birth_date_years_ago(today: date, years: int) -> date:
    """The date `years` before `today` (29 February becomes 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def targeting_profile_clean(
    *,
    country: str | None = None,
    language: str | None = None,
    birth_date: date | None = KEEP,
    interests: list[str] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The targeting profile fields given, checked and normalised as stored: the
    country upper case (`invalid_country` unless two letters), the language lower case
    (`invalid_language` unless a 2-3 letter primary tag), the birth date neither in the
    future (`birth_date_in_future`) nor less than `MINIMUM_AGE_YEARS` ago (`too_young`),
    interests trimmed, lower case, each once in the order given (`invalid_interest`
    for an empty one). Empty values clear a field; fields not given are left out."""
    changes: dict[str, Any] = {}
    if country is not None:
        if country and not COUNTRY_PATTERN.match(country):
            raise INVALID_COUNTRY.error()
        changes["country"] = country.upper()
    if language is not None:
        if language and not LANGUAGE_PATTERN.match(language):
            raise INVALID_LANGUAGE.error()
        changes["language"] = language.lower()
    if birth_date is not KEEP:
        if birth_date is not None:
            today = today or timezone.now().date()
            if birth_date > today:
                raise BIRTH_DATE_IN_FUTURE.error()
            if birth_date > _birth_date_years_ago(today, MINIMUM_AGE_YEARS):
                raise TOO_YOUNG.error()
        changes["birth_date"] = birth_date
    if interests is not None:
        cleaned = [interest.strip().lower() for interest in interests]
        if not all(cleaned):
            raise INVALID_INTEREST.error()
        changes["interests"] = list(dict.fromkeys(cleaned))
    return changes


def user_profile_update(
    *,
    user: User,
    username: str | None = None,
    display_name: str | None = None,
    bio: str | None = None,
    phone_number: str | None = None,
    is_private: bool | None = None,
    country: str | None = None,
    language: str | None = None,
    birth_date: date | None = KEEP,
    interests: list[str] | None = None,
    by_staff: bool = False,
) -> User:
    """Change the profile fields given (None leaves a field as it is, but for
    `birth_date`, which `KEEP` leaves and None clears); returns the updated user,
    freshly read. `by_staff`: staff edit it (the admin site), whatever the account's
    standing.

    Values are expected already validated in shape (lengths, the username and phone
    number patterns); an empty `phone_number` clears it. The targeting profile
    (country, language, birth date, interests) is checked and normalised by
    `targeting_profile_clean`, whose errors it raises. A username is refused with
    `username_taken` when another account holds it whatever the case, a concurrent
    claim included; changing only the case of one's own is allowed. Making the
    account public accepts its pending follow requests (`core.events.account_made_public`), in the
    same transaction.
    """
    changes = {
        name: value
        for name, value in {
            "username": username,
            "display_name": display_name,
            "bio": bio,
            "phone_number": phone_number,
            "is_private": is_private,
        }.items()
        if value is not None
    }
    changes.update(
        targeting_profile_clean(
            country=country, language=language, birth_date=birth_date, interests=interests
        )
    )
    if username is not None and _username_taken(username, user=user):
        raise USERNAME_TAKEN.error()
    try:
        with transaction.atomic():
            if is_private is False:
                # A public account has no pending follow requests: accept them. First,
                # since the social graph locks the users it changes in its own order.
                account_made_public.send(user=user)
            locked = _user_lock(user, by_staff=by_staff)
            if not changes:
                return locked
            for name, value in changes.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*changes, "updated_at"])
    except IntegrityError as error:  # the case-insensitive unique constraint
        if username is not None and _username_taken(username, user=user):
            raise USERNAME_TAKEN.error() from error
        raise
    return locked


# -- avatars ----------------------------------------------------------------------------


def _image_flatten(image: Image.Image) -> Image.Image:
    """RGB, with transparent areas on white (JPEG has no alpha channel)."""
    if not image.has_transparency_data:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def avatar_image_encode(upload: File) -> bytes:
    """An uploaded image re-encoded as the avatar JPEG: upright (EXIF orientation
    applied), RGB, fitted into AVATAR_SIZE square, with no metadata kept.

    Raises `ValidationError` on `avatar`: `too_large` over
    `settings.ACCOUNTS_AVATAR_MAX_UPLOAD_MB` (checked before any decoding), else
    `invalid_image` for anything that is not a whole JPEG, PNG, WebP or GIF (whose
    first frame is used) of at most AVATAR_MAX_PIXELS pixels.
    """
    if upload.size is None or upload.size > settings.ACCOUNTS_AVATAR_MAX_UPLOAD_MB * 1024 * 1024:
        raise AVATAR_TOO_LARGE.error()
    upload.seek(0)
    # Hostile files make Pillow's decoders raise all sorts of exceptions (OSError,
    # SyntaxError, ValueError, IndexError, struct.error, DecompressionBombError, ...);
    # every one of them means "not an image we accept", never a server error.
    try:
        with Image.open(upload, formats=AVATAR_FORMATS) as image:
            image.draft("RGB", (AVATAR_SIZE, AVATAR_SIZE))  # JPEG only: decode scaled down
            width, height = image.size
            if width * height > AVATAR_MAX_PIXELS:
                raise AVATAR_TOO_MANY_PIXELS.error()
            image.load()
            upright = ImageOps.exif_transpose(image)
            flat = _image_flatten(upright)
            flat.thumbnail((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
            output = io.BytesIO()
            # No `exif` or `icc_profile` given: the new file carries no metadata.
            flat.save(output, format="JPEG", quality=AVATAR_JPEG_QUALITY, optimize=True)
    except ValidationError:
        raise
    except Exception as error:
        raise AVATAR_NOT_AN_IMAGE.error() from error
    return output.getvalue()


def _avatar_file_delete_on_commit(name: str) -> None:
    """Delete an avatar file once the transaction commits; a storage error is logged,
    not raised, since the change it follows is already committed."""
    if name:
        storage = User._meta.get_field("avatar").storage
        transaction.on_commit(partial(storage.delete, name), robust=True)


def user_avatar_set(*, user: User, upload: File, by_staff: bool = False) -> User:
    """Replace the user's avatar with `upload`, re-encoded (see `avatar_image_encode`,
    whose `too_large` and `invalid_image` errors it raises); returns the updated user.
    `by_staff` as in `user_profile_update`.

    The new file is written under a new random name before the row is locked; the
    previous file is deleted after commit, and the new one at once if the update fails.
    """
    content = avatar_image_encode(upload)
    field = User._meta.get_field("avatar")
    name = field.storage.save(field.generate_filename(user, "avatar.jpg"), ContentFile(content))
    try:
        with transaction.atomic():
            locked = _user_lock(user, by_staff=by_staff)
            _avatar_file_delete_on_commit(locked.avatar.name)
            locked.avatar = name
            locked.save(update_fields=["avatar", "updated_at"])
    except BaseException:
        field.storage.delete(name)
        raise
    return locked


@transaction.atomic
def user_avatar_remove(*, user: User, by_staff: bool = False) -> User:
    """Remove the user's avatar, if any; the file is deleted after commit. Returns
    the updated user. `by_staff` as in `user_profile_update`."""
    locked = _user_lock(user, by_staff=by_staff)
    if locked.avatar:
        _avatar_file_delete_on_commit(locked.avatar.name)
        locked.avatar = ""
        locked.save(update_fields=["avatar", "updated_at"])
    return locked


# -- deleting the account ---------------------------------------------------------------


def deleted_user_email(user: User) -> str:
    """The address a deleted account keeps: unique, and never deliverable (`invalid`
    is a reserved name, RFC 2606). Django's email validation refuses a domain without
    a dot, so nobody can register this address before the deletion takes it."""
    return f"deleted-{user.pk.hex}@invalid"


def user_delete(*, user: User, password: str, client: ClientInfo = UNKNOWN_CLIENT) -> User:
    """Delete the account of `user`, who confirms with their password.

    The row stays, so the username stays reserved and records pointing at the user
    remain valid, but it is anonymised: the email becomes `deleted_user_email`, the
    display name, bio, phone number, targeting profile, metadata and avatar (file
    deleted after commit) are cleared, the password becomes unusable, `email_verified` false and
    `is_private` true. The status becomes `deleted`, every session ends
    (`account_deleted`) and every two-factor device and pending sign-in challenge is
    removed.

    A wrong password raises `invalid_password` on `password` and counts against the
    account's sign-in failure limit (then `too_many_attempts`, 429), so a stolen
    access token cannot be used to guess the password. Returns the deleted user.
    Call outside any transaction: a wrong password is logged once the deletion
    rolled back.
    """
    sign_in_limit_check(subject=sign_in_subject(user=user, identifier=user.username))
    with transaction.atomic():
        locked = _user_lock(user)
        if locked.check_password(password):
            return _user_anonymise(locked)
    password_confirm_refused(user=user, method=SignInAttempt.Method.ACCOUNT_DELETE, client=client)
    raise INVALID_PASSWORD.error()


def _user_anonymise(locked: User) -> User:
    """The deletion itself; the caller holds the user's lock."""
    _avatar_file_delete_on_commit(locked.avatar.name)
    locked.status = User.Status.DELETED
    locked.email = deleted_user_email(locked)
    locked.email_verified = False
    locked.display_name = locked.bio = locked.phone_number = ""
    locked.country = locked.language = ""
    locked.birth_date = None
    locked.interests = []
    locked.avatar = ""
    locked.metadata = {}
    locked.is_private = True
    locked.set_unusable_password()
    locked.save(
        update_fields=[
            "status",
            "email",
            "email_verified",
            "display_name",
            "bio",
            "phone_number",
            "country",
            "language",
            "birth_date",
            "interests",
            "avatar",
            "metadata",
            "is_private",
            "password",
            "updated_at",
        ]
    )
    sessions_end_for_user(user=locked, reason=AuthSession.EndReason.ACCOUNT_DELETED)
    for device_model in device_classes():
        device_model.objects.filter(user=locked).delete()
    TwoFactorChallenge.objects.filter(user=locked).delete()
    return locked
