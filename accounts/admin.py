"""Accounts app: the Django admin for users, sessions, sign-in attempts and the moderation log.

Status changes go through the moderation services (actions on the user list), so each
one ends the user's sessions and lands in the moderation log; the log itself and the
sign-in attempts are read-only. Passwords show only as Django's masked hash summary.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_permission_codename
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as APIValidationError

from accounts.clients import ClientInfo
from accounts.exceptions import (
    EMAIL_TAKEN,
    AccountInactive,
    InvalidCredentials,
    TooManySignInAttempts,
    TwoFactorCodeInvalid,
    TwoFactorThrottled,
)
from accounts.models import AuthSession, ModerationAction, SignInAttempt, User
from accounts.selectors import user_list_annotated
from accounts.serializers.two_factor import CODE_MAX_LENGTH
from accounts.services.moderation import (
    session_end_by_staff,
    user_ban,
    user_reinstate,
    user_sessions_end,
    user_suspend,
)
from accounts.services.profiles import (
    avatar_image_encode,
    user_account_update_by_staff,
    user_avatar_remove,
    user_avatar_set,
    user_email_taken,
    user_profile_update,
)
from accounts.services.sign_in import (
    TwoFactorRequired,
    sign_in_password_check,
    sign_in_second_factor_check,
)
from accounts.services.two_factor import two_factor_is_enabled
from accounts.services.users import user_register, user_register_validate
from accounts.throttling import sign_in_attempt_record
from core.admin import ReadOnlyAdminMixin, actions_report
from core.requests import client_ip, client_user_agent

ADMIN_SITE_REASON = "Via the admin site"
# What the change page edits, by owner: `user_profile_update`, and no service.
PROFILE_FIELDS = ("username", "display_name", "bio", "phone_number", "is_private")
STAFF_EDITED_FIELDS = ("email", "email_verified", "metadata")


# -- signing in -------------------------------------------------------------------------


class AdminSignInForm(AdminAuthenticationForm):
    """The admin site's sign-in, through the API's password check: it shares the
    per-account failure limit (an account locked for the API is locked here, and
    wrong passwords here count there) and writes the sign-in log (method `admin`).
    Staff with two-factor on give their one-time code too, as the API asks."""

    otp_code = forms.CharField(
        label="Two-factor code",
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text="Only if two-factor is on for your account: the code your "
        "authenticator app shows, or a backup code.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many_attempts": (
            "Too many failed sign-in attempts for this account. Try again in %(minutes)d minute(s)."
        ),
        "two_factor_required": "Two-factor is on for this account: enter its code as well.",
        "two_factor_invalid": "That two-factor code is invalid or was already used.",
        "two_factor_throttled": (
            "Too soon after a wrong two-factor code: wait %(seconds)d second(s), then "
            "enter the code again."
        ),
    }

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        client = ClientInfo(
            ip_address=client_ip(self.request), user_agent=client_user_agent(self.request)
        )
        method = SignInAttempt.Method.ADMIN
        try:
            user, subject = sign_in_password_check(
                identifier=username, password=password, client=client, method=method
            )
        except TooManySignInAttempts as error:
            raise ValidationError(
                self.error_messages["too_many_attempts"],
                code="too_many_attempts",
                params={"minutes": -(-error.wait // 60)},
            ) from error
        except (InvalidCredentials, AccountInactive) as error:
            raise self.get_invalid_login_error() from error
        if not user.is_staff:
            outcome = SignInAttempt.Outcome.NOT_STAFF
            sign_in_attempt_record(subject=subject, method=method, outcome=outcome, client=client)
            raise self.get_invalid_login_error()
        if two_factor_is_enabled(user):
            self._second_factor_check(user=user, subject=subject, client=client)
        sign_in_attempt_record(
            subject=subject, method=method, outcome=SignInAttempt.Outcome.SUCCESS, client=client
        )
        user.backend = "django.contrib.auth.backends.ModelBackend"  # as authenticate() sets
        self.user_cache = user
        return self.cleaned_data

    def _second_factor_check(self, *, user: User, subject, client: ClientInfo) -> None:
        try:
            sign_in_second_factor_check(
                user=user,
                subject=subject,
                otp_code=self.cleaned_data.get("otp_code") or None,
                client=client,
                method=SignInAttempt.Method.ADMIN,
            )
        except TwoFactorRequired as error:
            raise ValidationError(
                self.error_messages["two_factor_required"], code="two_factor_required"
            ) from error
        except TwoFactorThrottled as error:
            raise ValidationError(
                self.error_messages["two_factor_throttled"],
                code="two_factor_throttled",
                params={"seconds": max(1, int(error.wait or 1))},
            ) from error
        except TwoFactorCodeInvalid as error:
            raise ValidationError(
                self.error_messages["two_factor_invalid"], code="two_factor_invalid"
            ) from error


admin.site.login_form = AdminSignInForm
admin.site.login_template = "accounts/admin_login.html"


# -- users ------------------------------------------------------------------------------


class UserCreationForm(AdminUserCreationForm):
    """Username, email and a password (or none): the form checks their shape, and
    `user_register` refuses and creates as registration does (its refusals show on
    the fields; the password's on `password2`, where Django shows them)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self) -> str:  # taken usernames: `user_register_validate`
        return self.cleaned_data.get("username")

    def validate_password_for_user(self, user: User, **kwargs) -> None:
        """Left to `user_register_validate` (see `clean`)."""

    def clean(self) -> dict:
        cleaned = super().clean()
        password = cleaned.get("password2") if cleaned.get("set_usable_password") else None
        try:
            user_register_validate(
                email=cleaned.get("email"), username=cleaned.get("username"), password=password
            )
        except APIValidationError as error:
            for field, errors in _form_errors(error, field_names={"password": "password2"}).items():
                for one in errors:
                    self.add_error(field, one)
        return cleaned

    def save(self, commit: bool = True) -> User:
        """The account, made by `user_register` (whatever `commit`: the admin's
        `save_model` leaves a new user alone)."""
        usable = self.cleaned_data["set_usable_password"]
        self.instance = user_register(
            email=self.cleaned_data["email"],
            username=self.cleaned_data["username"],
            password=self.cleaned_data["password1"] if usable else None,
        )
        self.save_m2m = self._save_m2m
        return self.instance


def _form_errors(error: APIValidationError, *, field_names: dict[str, str]) -> dict:
    """A service's `ValidationError` as a form's errors, by form field."""
    return {
        field_names.get(name, name): [
            ValidationError(str(detail), code=detail.code) for detail in details
        ]
        for name, details in error.detail.items()
    }


class UserEditForm(UserChangeForm):
    """The change page. `UserAdmin.save_model` saves it through the services."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean_email(self) -> str:
        """An address another account holds, whatever its case, is refused here, as
        `user_account_update_by_staff` would refuse it."""
        email = self.cleaned_data.get("email")
        if email and self.instance.pk and user_email_taken(email, user=self.instance):
            raise ValidationError(EMAIL_TAKEN.detail(), code=EMAIL_TAKEN.default_code)
        return email

    def clean_avatar(self) -> object:
        """A new image must be one `user_avatar_set` accepts."""
        avatar = self.cleaned_data.get("avatar")
        if isinstance(avatar, UploadedFile):
            try:
                avatar_image_encode(avatar)
            except APIValidationError as error:
                raise ValidationError(_form_errors(error, field_names={})["avatar"]) from error
        return avatar


class TwoFactorFilter(admin.SimpleListFilter):
    """Whether the user has a confirmed TOTP device, i.e. two-factor is on."""

    title = "two-factor"
    parameter_name = "two_factor"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("on", "On"), ("off", "Off")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "on":
            return queryset.filter(two_factor_enabled=True)
        if self.value() == "off":
            return queryset.filter(two_factor_enabled=False)
        return queryset


class DeviceInline(admin.TabularInline):
    """A second-factor device: visible and removable, never editable (no secrets shown)."""

    extra = 0
    can_delete = True
    fields = ("name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TOTPDeviceInline(DeviceInline):
    model = TOTPDevice
    verbose_name = "authenticator app (TOTP)"
    verbose_name_plural = "authenticator apps (TOTP)"


class StaticDeviceInline(DeviceInline):
    model = StaticDevice
    verbose_name = "backup codes"
    verbose_name_plural = "backup codes"
    fields = ("name", "confirmed", "codes_left", "created_at", "last_used_at")
    readonly_fields = fields

    @admin.display(description="codes left")
    def codes_left(self, device: StaticDevice) -> int:
        return device.token_set.count()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("username", "email", "status", "role", "two_factor_on", "date_joined")
    list_filter = ("status", "role", TwoFactorFilter)
    search_fields = ("username", "email")
    ordering = ("-date_joined",)
    inlines = [TOTPDeviceInline, StaticDeviceInline]
    actions = ["suspend", "ban", "reinstate", "end_sessions"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Profile",
            {
                "fields": (
                    "email",
                    "email_verified",
                    "display_name",
                    "bio",
                    "avatar",
                    "phone_number",
                    "is_private",
                    "metadata",
                )
            },
        ),
        (
            "Standing (change it with the actions on the user list)",
            {"fields": ("status", "suspended_until", "role")},
        ),
        (
            "Admin site permissions (staff and superuser follow the role)",
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Counters", {"fields": ("follower_count", "following_count", "video_count")}),
        ("Dates", {"fields": ("date_joined", "last_login", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    # Status and role change only through the moderation services, which end
    # sessions and write the moderation log; counters belong to the apps that count.
    readonly_fields = (
        "status",
        "suspended_until",
        "role",
        "is_staff",
        "is_superuser",
        "follower_count",
        "following_count",
        "video_count",
        "date_joined",
        "last_login",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return user_list_annotated(super().get_queryset(request))

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        """A new user was made by the creation form (`user_register`). A change goes
        through the services: the profile by `user_profile_update` (an account made
        public accepts its pending follow requests), the avatar by `user_avatar_set`
        or `user_avatar_remove` (re-encoded; the old file deleted), the email address,
        its verification and metadata by `user_account_update_by_staff`."""
        if not change:
            return
        data, changed = form.cleaned_data, set(form.changed_data)
        profile = {name: data[name] for name in PROFILE_FIELDS if name in changed}
        if profile:
            user_profile_update(user=obj, by_staff=True, **profile)
        if "avatar" in changed:
            if data["avatar"]:
                user_avatar_set(user=obj, upload=data["avatar"], by_staff=True)
            else:
                user_avatar_remove(user=obj, by_staff=True)
        account = {name: data[name] for name in STAFF_EDITED_FIELDS if name in changed}
        if account:
            user_account_update_by_staff(user=obj, **account)

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list:
        return self.inlines if obj is not None else []

    @admin.display(description="2FA on", boolean=True, ordering="two_factor_enabled")
    def two_factor_on(self, user: User) -> bool:
        return user.two_factor_enabled

    def _moderate(
        self,
        request: HttpRequest,
        queryset: QuerySet[User],
        service: Callable[..., object],
        done_message: str,
    ) -> None:
        done, refusals = 0, []
        for user in queryset:
            try:
                service(actor=request.user, target=user, reason=ADMIN_SITE_REASON)
            except APIException as error:
                refusals.append(f"{user.username}: {error.detail}")
            else:
                done += 1
        actions_report(self, request, done=done, done_message=done_message, refusals=refusals)

    @admin.action(description="Suspend the selected users", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._moderate(request, queryset, user_suspend, "Suspended {count} user(s).")

    @admin.action(description="Ban the selected users", permissions=["change"])
    def ban(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._moderate(request, queryset, user_ban, "Banned {count} user(s).")

    @admin.action(description="Reinstate the selected users", permissions=["change"])
    def reinstate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._moderate(request, queryset, user_reinstate, "Reinstated {count} user(s).")

    @admin.action(
        description="End all sessions of the selected users (sign them out)",
        permissions=["change"],
    )
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ended, done, refusals = 0, 0, []
        for user in queryset:
            try:
                ended += user_sessions_end(
                    actor=request.user, target=user, reason=ADMIN_SITE_REASON
                )
            except APIException as error:
                refusals.append(f"{user.username}: {error.detail}")
            else:
                done += 1
        actions_report(
            self,
            request,
            done=done,
            done_message=f"Ended {ended} session(s) of {{count}} user(s).",
            refusals=refusals,
        )


# -- sessions ---------------------------------------------------------------------------


class SessionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("live", "Live"), ("ended", "Ended"), ("expired", "Expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(ended_at__isnull=True, expires_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ended_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(ended_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(AuthSession)
class AuthSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "ended_at",
        "end_reason",
        "ip_address",
        "user_agent",
    )
    list_filter = (SessionStateFilter, "end_reason", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "ip_address")
    ordering = ("-created_at",)
    # The refresh token's id is left out: nothing a person needs to read.
    fields = (
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "ended_at",
        "end_reason",
        "ip_address",
        "user_agent",
    )
    actions = ["end_selected"]

    def has_end_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    @admin.action(description="End the selected sessions", permissions=["end"])
    def end_selected(self, request: HttpRequest, queryset: QuerySet[AuthSession]) -> None:
        done, refusals = 0, []
        for session in queryset.filter(ended_at__isnull=True).select_related("user"):
            try:
                ended = session_end_by_staff(
                    actor=request.user, session=session, reason=ADMIN_SITE_REASON
                )
            except APIException as error:
                refusals.append(f"{session.user.username}: {error.detail}")
            else:
                done += int(ended)
        actions_report(
            self, request, done=done, done_message="Ended {count} session(s).", refusals=refusals
        )


# -- sign-in attempts and the moderation log ------------------------------------------


@admin.register(SignInAttempt)
class SignInAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "identifier", "user", "method", "outcome", "ip_address")
    list_filter = ("outcome", "method", "created_at")
    list_select_related = ("user",)
    search_fields = ("identifier", "user__username", "user__email", "ip_address")
    ordering = ("-created_at",)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "action", "target", "actor", "reason", "until")
    list_filter = ("action", "created_at")
    list_select_related = ("actor", "target")
    search_fields = ("target__username", "actor__username", "reason")
    ordering = ("-created_at",)
