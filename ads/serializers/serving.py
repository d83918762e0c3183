"""The shape of a served ad (`ServedAd`): what `ads/serve/` lists and what the feeds
carry as promoted items; and the absolute addresses of the ads' tracking URLs."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from accounts.serializers.users import UserPublicSerializer
from ads.models import Campaign
from ads.selectors.serving import ServedAd
from videos.models import Video
from videos.signed_urls import video_file_url

API_PREFIX = "/api/v1/"


def ads_absolute_url(*, request: Request | None, path: str) -> str:
    """`path` (absolute on the site, e.g. `/api/v1/ads/click/<token>/`) as a full URL:
    under `ADS_PUBLIC_BASE_URL` when set (players and browsers fetch ads' URLs from
    other origins), else the request's own scheme and host."""
    base = settings.ADS_PUBLIC_BASE_URL.rstrip("/")
    if base:
        return f"{base}{path}"
    return request.build_absolute_uri(path) if request is not None else path


def ad_click_url(*, request: Request | None, token: str) -> str:
    """Where a click on the served ad goes first (counted, then redirected)."""
    return ads_absolute_url(request=request, path=f"{API_PREFIX}ads/click/{token}/")


class ServedAdVideoSerializer(serializers.ModelSerializer):
    """The promoted video, as a feed card needs it."""

    owner = UserPublicSerializer(read_only=True)
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = ["id", "title", "duration_seconds", "thumbnail_url", "owner"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, video: Video) -> str | None:
        name = video.thumbnail.name if video.thumbnail else ""
        return video_file_url(request=self.context.get("request"), video=video, name=name)


class ServedAdSerializer(serializers.Serializer):
    """One served ad: the creative, its promoted video, and the URLs that count it.

    The client reports the ad seen with `POST ads/impressions/` `{"token":
    impression_token}` and sends a tap to `click_url`, which redirects to the
    advertiser's page."""

    id = serializers.UUIDField(source="creative.id", help_text="The creative's id.")
    campaign_id = serializers.UUIDField(source="creative.campaign_id")
    headline = serializers.CharField(source="creative.headline")
    call_to_action = serializers.CharField(source="creative.call_to_action")
    video = ServedAdVideoSerializer(source="creative.video")
    promoted = serializers.SerializerMethodField(help_text="Always true: this is an ad.")
    impression_token = serializers.CharField(
        source="token",
        help_text="Signed, single-use, expiring after `ADS_TOKEN_SECONDS`: send it to "
        "`POST ads/impressions/` once the ad was seen.",
    )
    click_url = serializers.SerializerMethodField(
        help_text="Absolute; counts the click, then redirects to the advertiser's page."
    )

    def get_promoted(self, served: ServedAd) -> bool:
        return True

    @extend_schema_field(serializers.URLField())
    def get_click_url(self, served: ServedAd) -> str:
        return ad_click_url(request=self.context.get("request"), token=served.token)


class ServedAdListSerializer(serializers.Serializer):
    results = ServedAdSerializer(many=True)


class ServeQuerySerializer(serializers.Serializer):
    """The query string of `ads/serve/`."""

    SERVE_COUNT_MAX = 10

    placement = serializers.ChoiceField(
        choices=Campaign.Placement.choices, help_text="Where the ads will be shown."
    )
    count = serializers.IntegerField(
        min_value=1,
        max_value=SERVE_COUNT_MAX,
        default=1,
        help_text=f"At most this many ads, of different campaigns (1 to {SERVE_COUNT_MAX}).",
    )
