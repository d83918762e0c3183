"""Discovery: a profile's videos, the following, trending and for-you feeds,
categories and trending tags.

Every video list goes through the privacy rule (`videos.selectors`), is
cursor-paginated on an ordering that ends with the primary key, and costs the same
number of queries whatever the page size.
"""

from drf_spectacular.helpers import lazy_serializer
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.ads import feed_promotions
from core.openapi import because, raises
from videos.models import Category, Video
from videos.selectors import (
    FOR_YOU_FOLLOWED_BOOST,
    FOR_YOU_FRESH_DAYS,
    FOR_YOU_SEEN_DAYS,
    FOR_YOU_TAG_BOOST,
    FOR_YOU_TASTE_DAYS,
    TRENDING_TAGS_DAYS,
    TRENDING_TAGS_LIMIT,
    category_list,
    tag_list_trending,
    video_feed_following,
    video_feed_for_profile,
    video_feed_for_you,
    video_feed_trending,
    video_is_own_profile,
    video_profile_owner_get,
)
from videos.serializers import CategorySerializer, VideoSerializer


class TrendingTagSerializer(serializers.Serializer):
    tag = serializers.CharField()
    count = serializers.IntegerField(help_text="How many of those videos carry it.")


@extend_schema_serializer(many=False)  # a whole page, not a list of them
class VideoFeedPageSerializer(serializers.Serializer):
    """A feed's page as the schema documents it: the cursor page, and the promoted
    items beside it (`PromotedFeedMixin` builds it)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = VideoSerializer(many=True)
    promoted = serializers.SerializerMethodField(
        help_text="Promoted videos (ads) to show among `results`, by `position`: the index "
        "in `results` each goes before. Empty when there is none to show."
    )

    # The shape is the ads app's (core.ads), read when the schema is generated.
    @extend_schema_field(lazy_serializer("core.ads.promoted_item_serializer")(many=True))
    def get_promoted(self, page) -> list[dict]:
        raise NotImplementedError  # documentation only


PROMOTED_DESCRIPTION = (
    " Beside `results`, `promoted` lists the promoted videos (ads) to show among them: "
    "one after every `ADS_FEED_INTERVAL` videos (8 by default; none when it is 0 or no ad "
    "is eligible), each with the `position` in `results` it goes before. `results`, "
    "`next` and `previous` are the same as without them."
)


class VideoListView(generics.ListAPIView):
    serializer_class = VideoSerializer
    filter_backends = []  # filters belong to `GET /api/v1/videos/`

    def list_videos(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Video.objects.none()
        return self.list_videos()


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="users_videos_list",
            tags=["videos"],
            parameters=[
                OpenApiParameter(
                    "username", str, OpenApiParameter.PATH, description="Whatever its case."
                )
            ],
            summary="A user's videos",
            description="Anyone, signed in or not. Others see the user's ready videos "
            "that the privacy rule lists for them (public ones; followers-only ones to "
            "accepted followers; never unlisted or private ones), newest published first. "
            "The user themself sees every video of theirs, processing and failed ones "
            "included, newest uploaded first. Staff see every ready video.",
        ),
        raises(
            because(
                NotFound,
                "no such user; or the user is suspended, banned, deactivated or deleted and "
                "the caller is neither staff nor that user; or one of them blocked the other",
            )
        ),
    ]
)
class UserVideoListView(VideoListView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    def list_videos(self):
        viewer = self.request.user
        self.owner = video_profile_owner_get(username=self.kwargs["username"], viewer=viewer)
        return video_feed_for_profile(owner=self.owner, viewer=viewer)

    @property
    def ordering(self) -> tuple[str, ...]:
        owner = getattr(self, "owner", None)
        if owner is not None and video_is_own_profile(owner=owner, viewer=self.request.user):
            return ("-created_at",)
        return ("-published_at",)


class PromotedFeedMixin:
    """A feed whose page carries the promoted items `core.ads` gives for it, beside
    the cursor page, which stays as it is."""

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        response.data["promoted"] = feed_promotions().feed_promoted(
            request=self.request, result_count=len(data)
        )
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="feed_following_list",
        tags=["feeds"],
        summary="Videos of the people the caller follows, newest first",
        description="Signed-in callers only. Ready videos, public and followers-only, of "
        "the accounts the caller follows with an accepted follow, newest published "
        "first." + PROMOTED_DESCRIPTION,
        responses=VideoFeedPageSerializer,
    )
)
class FollowingFeedView(PromotedFeedMixin, VideoListView):
    ordering = ("-published_at",)

    def list_videos(self):
        return video_feed_following(viewer=self.request.user)


@extend_schema_view(
    get=extend_schema(
        operation_id="feed_trending_list",
        tags=["feeds"],
        summary="Trending public videos, highest score first",
        description="Anyone, signed in or not. Public, ready videos with a trending "
        "score above 0, that the caller may see. The score (recomputed every few "
        "minutes) weighs views of the last 48 hours, likes, comments and shares "
        "against the video's age; videos older than 7 days trend only while "
        "viewed." + PROMOTED_DESCRIPTION,
        responses=VideoFeedPageSerializer,
    )
)
class TrendingFeedView(PromotedFeedMixin, VideoListView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    ordering = ("-trending_score",)

    def list_videos(self):
        return video_feed_trending(viewer=self.request.user)


@extend_schema_view(
    get=extend_schema(
        operation_id="feed_for_you_list",
        tags=["feeds"],
        summary="Videos picked for the caller",
        description="Signed-in callers only. Trending videos, and videos of the last "
        f"{FOR_YOU_FRESH_DAYS} days by accounts the caller follows or sharing a tag "
        f"with what the caller watched in the last {FOR_YOU_TASTE_DAYS} days; ordered "
        f"by the trending score plus {FOR_YOU_FOLLOWED_BOOST} for a followed account "
        f"plus {FOR_YOU_TAG_BOOST} for a shared tag, then by id. The caller's own "
        f"videos and what they watched in the last {FOR_YOU_SEEN_DAYS} days are left "
        "out." + PROMOTED_DESCRIPTION,
        responses=VideoFeedPageSerializer,
    )
)
class ForYouFeedView(PromotedFeedMixin, VideoListView):
    ordering = ("-for_you_score",)

    def list_videos(self):
        return video_feed_for_you(viewer=self.request.user)


@extend_schema_view(
    get=extend_schema(
        operation_id="categories_list",
        tags=["videos"],
        summary="Every category, in display order",
        description="Anyone, signed in or not. Not paginated: the whole (short) list, by "
        "position then name. Use a category's `slug` to filter `GET /api/v1/videos/`.",
    )
)
class CategoryListView(generics.ListAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = CategorySerializer
    pagination_class = None  # a short list staff keep: all of it at once
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Category.objects.none()
        return category_list()


class TrendingTagListView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        operation_id="tags_trending_list",
        tags=["videos"],
        responses={200: TrendingTagSerializer(many=True)},
        summary="The tags most used lately",
        description="Anyone, signed in or not; the same list for everyone. The "
        f"{TRENDING_TAGS_LIMIT} tags carried by the most public videos published in "
        f"the last {TRENDING_TAGS_DAYS} days, with how many carry each, most used first "
        "(equal counts by tag). Not paginated.",
    )
    def get(self, request: Request) -> Response:
        tags = [{"tag": tag, "count": count} for tag, count in tag_list_trending()]
        return Response(TrendingTagSerializer(tags, many=True).data)
