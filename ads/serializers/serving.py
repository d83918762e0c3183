"""The shape of a served ad (`serve/`) and of a feed's promoted item (the same, with
its `position`)."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers.users import UserPublicSerializer
from ads.models import Campaign
from ads.selectors.serving import ServedAd
from ads.urls_public import ad_click_url, ads_public_base_url
from videos.models import Video
from videos.signed_urls import video_file_url


class ServedAdVideoSerializer(serializers.Serializer):
    """The promoted video, as a feed item shows it (play it through its detail)."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    duration_seconds = serializers.FloatField(allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()
    owner = UserPublicSerializer()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, video: Video) -> str | None:
        name = video.thumbnail.name if video.thumbnail else ""
        return video_file_url(request=self.context.get("request"), video=video, name=name)


class ServedAdSerializer(serializers.Serializer):
    """One served ad: its creative, the video it promotes, and the token and click URL
    its impression and click are counted by. Needs `request` in its context."""

    id = serializers.UUIDField(source="creative.pk", help_text="The creative's id.")
    headline = serializers.CharField(source="creative.headline")
    call_to_action = serializers.CharField(source="creative.call_to_action")
    campaign = serializers.UUIDField(source="creative.campaign_id", help_text="Its id.")
    video = ServedAdVideoSerializer(source="creative.video")
    promoted = serializers.SerializerMethodField(help_text="Always true: an ad.")
    impression_token = serializers.CharField(
        source="token",
        help_text="Post it to `ads/impressions/` once the ad is on screen: counted once.",
    )
    click_url = serializers.SerializerMethodField(
        help_text="Open it on a click: it counts the click and redirects to the advertiser's page."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The promoted video's owner in the public shape, whoever is looking (no
        # private field, and no query for one, even for the owner or staff).
        self.context.setdefault("viewer", AnonymousUser())

    def to_representation(self, served: ServedAd) -> dict:
        served.creative.video.owner.follow_status = None  # not annotated here
        return super().to_representation(served)

    @extend_schema_field(serializers.BooleanField())
    def get_promoted(self, served: ServedAd) -> bool:
        return True

    @extend_schema_field(serializers.URLField())
    def get_click_url(self, served: ServedAd) -> str:
        base = ads_public_base_url(self.context["request"])
        return ad_click_url(base=base, token=served.token)


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


@dataclass(frozen=True)
class PromotedAd(ServedAd):
    """A served ad in a feed's page."""

    position: int  # the index in the page's `results` it goes before


class PromotedItemSerializer(ServedAdSerializer):
    """A feed's promoted item: a served ad and where it goes in the page."""

    position = serializers.IntegerField(help_text="The index in `results` it goes before.")
