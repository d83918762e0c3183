"""Accounts app: users, their sign-in sessions, sign-in attempts and moderation actions."""

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from core.fields import PortableArrayField
from core.models import BaseModel, MetadataMixin

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30

USERNAME_PATTERN = r"[A-Za-z0-9_.]+"  # also the `<username:...>` path converter's

username_validator = RegexValidator(
    regex=rf"^{USERNAME_PATTERN}\Z",
    message="Usernames may contain only letters, digits, underscores and dots.",
    code="invalid",
)

phone_number_validator = RegexValidator(
    regex=r"^\+[1-9][0-9]{1,14}\Z",
    message="Enter a phone number in international E.164 form, e.g. +14155550123.",
    code="invalid",
)


def avatar_upload_path(user: "User", filename: str) -> str:
    """A random, unguessable path: avatars are public, their names need not be."""
    return f"avatars/{uuid.uuid4().hex}.jpg"


# The optional profile that ad targeting reads (`users/me/` only, never shown to others).
COUNTRY_LENGTH = 2  # ISO 3166-1 alpha-2, upper case
LANGUAGE_MAX_LENGTH = 16  # a BCP 47 primary tag, lower case ("en", "pt")
INTEREST_MAX_LENGTH = 40
INTERESTS_MAX_ITEMS = 20
MINIMUM_AGE_YEARS = 13  # a birth date must be at least this long ago

# How many backup codes a user with two-factor authentication is given at a time.
BACKUP_CODE_COUNT = 10


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(username__iexact=username)

    def create_user(
        self, email: str, username: str, password: str | None = None, **fields
    ) -> "User":
        user = self.model(email=self.normalize_email(email), username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, username: str, password: str | None = None, **fields
    ) -> "User":
        fields.update(
            is_staff=True,
            is_superuser=True,
            role=User.Role.ADMIN,
            status=User.Status.ACTIVE,
            email_verified=True,
        )
        return self.create_user(email, username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin, MetadataMixin):
    """A person with an account.

    Email and username are unique whatever their case. Only `active` users (and
    `pending` ones, unless email verification is required) may sign in; the counters
    are kept by the apps that own what they count.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        ACTIVE = "active"
        SUSPENDED = "suspended"
        BANNED = "banned"
        DEACTIVATED = "deactivated"
        DELETED = "deleted"

    class Role(models.TextChoices):
        USER = "user"
        CREATOR = "creator"
        MODERATOR = "moderator"
        ADMIN = "admin"

    STAFF_ROLES = (Role.MODERATOR, Role.ADMIN)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    # unique=True is what Django's auth checks ask of USERNAME_FIELD; the constraint
    # below makes it unique whatever the case.
    username = models.CharField(
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator, MinLengthValidator(USERNAME_MIN_LENGTH)],
        help_text="3-30 letters, digits, underscores or dots; unique whatever the case.",
    )
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.CharField(max_length=500, blank=True)
    avatar = models.ImageField(upload_to=avatar_upload_path, blank=True)
    phone_number = models.CharField(max_length=16, blank=True, validators=[phone_number_validator])
    is_private = models.BooleanField(default=False)
    email_verified = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    suspended_until = models.DateTimeField(null=True, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.USER)
    is_staff = models.BooleanField(
        default=False, help_text="Whether the user may sign in to the admin site."
    )
    date_joined = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Targeting profile: blank or null means "not given" (targeting on it does not match).
    country = models.CharField(max_length=COUNTRY_LENGTH, blank=True)
    language = models.CharField(max_length=LANGUAGE_MAX_LENGTH, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    interests = PortableArrayField(
        models.CharField(max_length=INTEREST_MAX_LENGTH),
        size=INTERESTS_MAX_ITEMS,
        default=list,
        blank=True,
    )
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    video_count = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]
        indexes = [
            # Prefix search (istartswith compiles to UPPER(...) LIKE 'X%').
            models.Index(Upper("username"), name="accounts_user_username_upper"),
            models.Index(Upper("display_name"), name="accounts_user_display_upper"),
            models.Index(fields=["status", "username"], name="accounts_user_status_name"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:  # Django's auth (the admin site) reads this
        return self.status in user_visible_statuses()

    @property
    def is_moderator(self) -> bool:
        return self.role in self.STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def user_visible_statuses() -> tuple[str, ...]:
    """The statuses of accounts that may act on the platform: the one rule for who may
    sign in and whom others may find and reach (profiles, search, follows and blocks,
    mentions, the owners of videos and comments, tip and subscription recipients,
    notifications). `active`, and `pending` (email not verified yet) unless
    `ACCOUNTS_REQUIRE_EMAIL_VERIFICATION`: where a user can act, they can be found.
    Everyone else (suspended, banned, deactivated, deleted) is hidden from all but staff.

    Read it through `accounts.selectors` (`user_can_act`, `user_visibility_filter`,
    `access_user`, ...); it lives here because `User.is_active` needs it too.
    """
    if settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION:
        return (User.Status.ACTIVE,)
    return (User.Status.ACTIVE, User.Status.PENDING)


class AuthSession(BaseModel):
    """One signed-in device: the tokens issued to it share this session's id.

    Only the newest refresh token (`refresh_jti`) may be exchanged; presenting an
    older one means it was copied, and ends the session. One exception: the token
    it replaced (`previous_refresh_jti`), presented again within
    `JWT_REFRESH_GRACE_SECONDS` of `refreshed_at`, gets the newest pair once more (a
    client that refreshed twice at once keeps its session).
    """

    class EndReason(models.TextChoices):
        LOGOUT = "logout"
        LOGOUT_ALL = "logout_all"
        REVOKED = "revoked"
        REFRESH_REUSE = "refresh_reuse"
        PASSWORD_CHANGED = "password_changed"
        PASSWORD_RESET = "password_reset"
        MODERATION = "moderation"
        ACCOUNT_DELETED = "account_deleted"
        TWO_FACTOR_CHANGED = "two_factor_changed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_sessions")
    refresh_jti = models.CharField(max_length=64, unique=True)
    previous_refresh_jti = models.CharField(max_length=64, blank=True)
    refreshed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the newest refresh token was issued."
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="accounts_session_user_new"),
            models.Index(fields=["expires_at"], name="accounts_session_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.user} from {self.ip_address or 'unknown address'}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None and self.expires_at > timezone.now()


class SignInAttempt(BaseModel):
    """Every attempt to sign in, successful or not, for audits and abuse reviews.

    Also every password typed to confirm an action (a password change, turning
    two-factor off, deleting the account), and password resets: the failures in
    this log are what the per-account sign-in limit counts (`accounts.throttling`).
    """

    class Method(models.TextChoices):
        PASSWORD_GRANT = "password_grant"
        LOGIN = "login"
        TWO_FACTOR = "two_factor"
        ADMIN = "admin", "admin site"
        PASSWORD_CHANGE = "password_change"
        PASSWORD_RESET = "password_reset"
        TWO_FACTOR_DISABLE = "two_factor_disable"
        ACCOUNT_DELETE = "account_delete"

    class Outcome(models.TextChoices):
        SUCCESS = "success"
        BAD_CREDENTIALS = "bad_credentials"
        ACCOUNT_INACTIVE = "account_inactive"
        TWO_FACTOR_REQUIRED = "two_factor_required"
        TWO_FACTOR_FAILED = "two_factor_failed"
        THROTTLED = "throttled"
        NOT_STAFF = "not_staff", "not staff (admin site)"

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_in_attempts"
    )
    identifier = models.CharField(max_length=254, help_text="The username or email typed.")
    method = models.CharField(max_length=20, choices=Method.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_attempt_user_new"),
            models.Index(fields=["ip_address", "-created_at"], name="accounts_attempt_ip_new"),
            # Failures against names that are no account (accounts.throttling).
            models.Index(
                Lower("identifier"),
                models.F("created_at").desc(),
                condition=models.Q(user__isnull=True),
                name="accounts_attempt_name_new",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier}: {self.outcome}"


class TwoFactorChallenge(BaseModel):
    """A password that checked out, waiting for its one-time code.

    The client holds the challenge token; only its SHA-256 digest is stored. It is
    single-use, short-lived and allows a few attempts.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="two_factor_challenges")
    token_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=SignInAttempt.Method.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)


class ModerationAction(BaseModel):
    """A staff decision about an account: who, when, what and why."""

    class Action(models.TextChoices):
        SUSPEND = "suspend"
        BAN = "ban"
        REINSTATE = "reinstate"
        ROLE_CHANGE = "role_change"
        END_SESSIONS = "end_sessions"
        END_STREAM = "end_stream"  # a live broadcast of theirs (livestream's admin)

    actor = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="moderation_actions_taken"
    )
    target = models.ForeignKey(User, on_delete=models.CASCADE, related_name="moderation_actions")
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.CharField(max_length=1000, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    previous_status = models.CharField(max_length=12, choices=User.Status.choices, blank=True)
    previous_role = models.CharField(max_length=10, choices=User.Role.choices, blank=True)
    new_role = models.CharField(max_length=10, choices=User.Role.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="accounts_modlog_new"),
            models.Index(fields=["target", "-created_at"], name="accounts_modlog_target_new"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target} by {self.actor}"
