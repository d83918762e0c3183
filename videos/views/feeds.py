"""Discovery: a profile's videos, the following, trending and for-you feeds,
categories and trending tags.

Every video list goes through the privacy rule (`videos.selectors`), is
cursor-paginated on an ordering that ends with the primary key, and costs the same
number of queries whatever the page size.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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
    video_is_own_profile,
    video_list_following,
    video_list_for_profile,
    video_list_for_you,
    video_list_trending,
    video_profile_owner_get,
)
from videos.serializers import CategorySerializer, VideoSerializer

AUTHENTICATION_CODES = "`not_authenticated`, `token_not_valid`, `token_expired`, " + (
    "`session_ended`, `account_inactive` (401)"
)
# A bad `Authorization` header answers 401 also where no sign-in is needed.
TOKEN_CODES = "`token_not_valid`, `token_expired`, `session_ended`, `account_inactive` (401)"
PAGINATION_CODES = (
    "`invalid_cursor` (400, `attr` `cursor`: malformed, tampered with, or from another "
    "list or ordering), `invalid_page_size` (400, `attr` `page_size`: not a whole "
    "number of at least 1)"
)


def paginated(view_class):
    """Document the paginator's error codes on a list view."""
    for code, field_name in (("invalid_cursor", "cursor"), ("invalid_page_size", "page_size")):
        view_class = extend_validation_errors([code], field_name=field_name, methods=["get"])(
            view_class
        )
    return view_class


class TrendingTagSerializer(serializers.Serializer):
    tag = serializers.CharField()
    count = serializers.IntegerField(help_text="How many of those videos carry it.")


class VideoListView(generics.ListAPIView):
    serializer_class = VideoSerializer
    filter_backends = []  # filters belong to `GET /api/v1/videos/`

    def list_videos(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Video.objects.none()
        return self.list_videos()


@paginated
class UserVideoListView(VideoListView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    def list_videos(self):
        viewer = self.request.user
        self.owner = video_profile_owner_get(username=self.kwargs["username"], viewer=viewer)
        return video_list_for_profile(owner=self.owner, viewer=viewer)

    @property
    def ordering(self) -> tuple[str, ...]:
        owner = getattr(self, "owner", None)
        if owner is not None and video_is_own_profile(owner=owner, viewer=self.request.user):
            return ("-created_at",)
        return ("-published_at",)

    @extend_schema(
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
        "included, newest uploaded first. Staff see every ready video. Error codes: "
        "`not_found` (404: no such user; or the user is suspended, banned, deactivated "
        "or deleted and the caller is neither staff nor that user; or one of them "
        f"blocked the other); {PAGINATION_CODES}; {TOKEN_CODES}.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


@paginated
class FollowingFeedView(VideoListView):
    ordering = ("-published_at",)

    def list_videos(self):
        return video_list_following(viewer=self.request.user)

    @extend_schema(
        operation_id="feed_following_list",
        tags=["feeds"],
        summary="Videos of the people the caller follows, newest first",
        description="Signed-in callers only. Ready videos, public and followers-only, of "
        "the accounts the caller follows with an accepted follow, newest published "
        f"first. Error codes: {PAGINATION_CODES}; {AUTHENTICATION_CODES}.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


@paginated
class TrendingFeedView(VideoListView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    ordering = ("-trending_score",)

    def list_videos(self):
        return video_list_trending(viewer=self.request.user)

    @extend_schema(
        operation_id="feed_trending_list",
        tags=["feeds"],
        summary="Trending public videos, highest score first",
        description="Anyone, signed in or not. Public, ready videos with a trending "
        "score above 0, that the caller may see. The score (recomputed every few "
        "minutes) weighs views of the last 48 hours, likes, comments and shares "
        "against the video's age; videos older than 7 days trend only while "
        f"viewed. Error codes: {PAGINATION_CODES}; {TOKEN_CODES}.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


@paginated
class ForYouFeedView(VideoListView):
    ordering = ("-for_you_score",)

    def list_videos(self):
        return video_list_for_you(viewer=self.request.user)

    @extend_schema(
        operation_id="feed_for_you_list",
        tags=["feeds"],
        summary="Videos picked for the caller",
        description="Signed-in callers only. Trending videos, and videos of the last "
        f"{FOR_YOU_FRESH_DAYS} days by accounts the caller follows or sharing a tag "
        f"with what the caller watched in the last {FOR_YOU_TASTE_DAYS} days; ordered "
        f"by the trending score plus {FOR_YOU_FOLLOWED_BOOST} for a followed account "
        f"plus {FOR_YOU_TAG_BOOST} for a shared tag, then by id. The caller's own "
        f"videos and what they watched in the last {FOR_YOU_SEEN_DAYS} days are left "
        f"out. Error codes: {PAGINATION_CODES}; {AUTHENTICATION_CODES}.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class CategoryListView(generics.ListAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = CategorySerializer
    pagination_class = None  # a short list staff keep: all of it at once
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Category.objects.none()
        return category_list()

    @extend_schema(
        operation_id="categories_list",
        tags=["videos"],
        summary="Every category, in display order",
        description="Anyone, signed in or not. Not paginated: the whole (short) list, by "
        "position then name. Use a category's `slug` to filter `GET /api/v1/videos/`. "
        f"Error codes: {TOKEN_CODES}.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


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
        f"(equal counts by tag). Not paginated. Error codes: {TOKEN_CODES}.",
    )
    def get(self, request: Request) -> Response:
        tags = [{"tag": tag, "count": count} for tag, count in tag_list_trending()]
        return Response(TrendingTagSerializer(tags, many=True).data)
