"""The one user representation the API returns, everywhere."""

from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from accounts.models import User
from core.access import is_signed_in, is_staff
from core.relations import FOLLOW_STATUS_FOLLOWING, FOLLOW_STATUSES
from core.serializers import ModelSerializer


class PrivateFieldMixin:
    """Shown only to the user themself and to staff; left out for everyone else."""

    def get_attribute(self, instance):
        if not self.parent.shows_private_fields(instance):
            raise SkipField()
        return super().get_attribute(instance)


class PrivateEmailField(PrivateFieldMixin, serializers.EmailField):
    pass


class PrivateCharField(PrivateFieldMixin, serializers.CharField):
    pass


class PrivateDateTimeField(PrivateFieldMixin, serializers.DateTimeField):
    pass


class PrivateMethodField(PrivateFieldMixin, serializers.SerializerMethodField):
    pass


class UserSerializer(ModelSerializer):
    """A user as others see them; the user themself and staff also see `email`,
    `phone_number`, `last_login` and `two_factor_enabled`.

    Lists annotate `two_factor_enabled` in their selector; for a single user it is
    looked up. `follow_status` (the viewer's follow of the user: `following`,
    `requested` or null) and `is_following` come from the `follow_status` annotation
    that selectors add through `core.relations` (`follow_status_expression`; a video's
    owner gets it from the video's `owner_follow_status`); where a selector did not
    annotate it (the viewer themself, users nested in other objects) they are null and
    false.
    """

    private_fields = ("email", "phone_number", "last_login", "two_factor_enabled")

    avatar_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="date_joined", read_only=True)
    email = PrivateEmailField(read_only=True)
    phone_number = PrivateCharField(read_only=True)
    last_login = PrivateDateTimeField(read_only=True, allow_null=True)  # never signed in
    two_factor_enabled = PrivateMethodField()
    is_following = serializers.SerializerMethodField(
        help_text="Whether the caller follows this user (an accepted follow)."
    )
    follow_status = serializers.ChoiceField(
        choices=FOLLOW_STATUSES,
        allow_null=True,
        read_only=True,
        help_text="The caller's follow of this user: `following`, `requested` (waiting "
        "for a private account to accept), or null.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "bio",
            "avatar_url",
            "is_private",
            "email_verified",
            "role",
            "status",
            "follower_count",
            "following_count",
            "video_count",
            "is_following",
            "follow_status",
            "created_at",
            "email",
            "phone_number",
            "last_login",
            "two_factor_enabled",
        ]
        read_only_fields = fields

    def shows_private_fields(self, user: User) -> bool:
        """Whether the viewer is `user` or staff. The viewer is the request's user,
        or `context["viewer"]` where the caller is not signed in yet (sign-in answers)."""
        viewer = self.context.get("viewer") or getattr(self.context.get("request"), "user", None)
        return is_staff(viewer) or (is_signed_in(viewer) and viewer.pk == user.pk)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_avatar_url(self, user: User) -> str | None:
        if not user.avatar:
            return None
        request = self.context.get("request")
        url = user.avatar.url
        return request.build_absolute_uri(url) if request is not None else url

    def get_is_following(self, user: User) -> bool:
        return getattr(user, "follow_status", None) == FOLLOW_STATUS_FOLLOWING

    def get_two_factor_enabled(self, user: User) -> bool:
        annotated = getattr(user, "two_factor_enabled", None)
        if annotated is not None:
            return bool(annotated)
        return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class UserPublicSerializer(UserSerializer):
    """The same user representation with only the fields everyone sees: what other
    apps nest (a video's owner, a comment's author), whoever is looking."""

    class Meta(UserSerializer.Meta):
        fields = [
            name for name in UserSerializer.Meta.fields if name not in UserSerializer.private_fields
        ]
        read_only_fields = fields


class CurrentUserSerializer(UserSerializer):
    """The user as they see themself on `users/me/`: every private field, and the
    targeting profile that ads read (country, language, birth date, interests), which
    is shown nowhere else, not even to staff."""

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "country", "language", "birth_date", "interests"]
        read_only_fields = fields
