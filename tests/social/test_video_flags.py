"""The video object's `is_liked` and `is_bookmarked`: the caller's own like and bookmark,
filled for every video list and detail by one annotation in
`videos.selectors.video_queryset_visible` (through `core.relations`), at no extra
query per video."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Exists, Subquery, Value
from django.db.models.functions import Coalesce

from core import relations as relations_module
from core.relations import NoRelations, relations
from social.relations import SocialRelations
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.social.factories import BookmarkFactory, SocialGraph, VideoLikeFactory
from tests.videos.factories import VideoFactory
from videos.models import Video
from videos.selectors import video_queryset_visible
from videos.serializers import VideoSerializer

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(db):
    return UserFactory(username="me")


@pytest.fixture
def my_client(make_auth_client, me):
    return make_auth_client(me)


@pytest.fixture
def shelf(me):
    """Four public videos: liked by me, bookmarked by me, both, neither (liked and
    bookmarked by someone else)."""
    someone = UserFactory()
    videos = {name: VideoFactory(title=name) for name in ("liked", "bookmarked", "both", "none")}
    VideoLikeFactory(video=videos["liked"], user=me)
    BookmarkFactory(video=videos["bookmarked"], user=me)
    VideoLikeFactory(video=videos["both"], user=me)
    BookmarkFactory(video=videos["both"], user=me)
    VideoLikeFactory(video=videos["none"], user=someone)
    BookmarkFactory(video=videos["none"], user=someone)
    return videos


EXPECTED = {
    "liked": (True, False),
    "bookmarked": (False, True),
    "both": (True, True),
    "none": (False, False),
}


def flags(results) -> dict[str, tuple[bool, bool]]:
    return {video["title"]: (video["is_liked"], video["is_bookmarked"]) for video in results}


# -- the relations the social app registers ----------------------------------------------


def test_the_social_app_registers_its_relations():
    assert isinstance(relations(), SocialRelations)


@pytest.mark.parametrize("method", ["video_liked_expression", "video_bookmarked_expression"])
def test_the_expressions_are_false_for_anonymous_viewers(method):
    for viewer in (None, AnonymousUser()):
        expression = getattr(SocialRelations(), method)(viewer)
        assert isinstance(expression, Value)
        assert expression.value is False
        assert isinstance(expression.output_field, BooleanField)


@pytest.mark.parametrize("method", ["video_liked_expression", "video_bookmarked_expression"])
def test_the_expressions_are_one_probe_a_row_for_signed_in_viewers(me, method):
    """A scalar subquery each video runs once (`core.expressions.row_exists`), which
    PostgreSQL never turns into one hashed read of all the viewer's likes."""
    expression = getattr(SocialRelations(), method)(me)
    assert isinstance(expression, Coalesce)
    found, default = expression.get_source_expressions()
    assert isinstance(found, Subquery) and not isinstance(found, Exists)
    assert found.query.low_mark == 0 and found.query.high_mark == 1
    assert default.value is False


def test_the_selector_annotates_the_viewers_own_likes_and_bookmarks(me, shelf):
    videos = video_queryset_visible(viewer=me)

    assert {video.title: (video.is_liked, video.is_bookmarked) for video in videos} == EXPECTED


@pytest.mark.parametrize("viewer", [None, AnonymousUser()])
def test_the_selector_says_false_to_anonymous_viewers(shelf, viewer):
    videos = video_queryset_visible(viewer=viewer)

    assert {(video.is_liked, video.is_bookmarked) for video in videos} == {(False, False)}


def test_the_selector_says_false_without_a_social_graph(me, shelf, monkeypatch):
    monkeypatch.setattr(relations_module, "_relations", NoRelations())

    videos = video_queryset_visible(viewer=me)

    assert {(video.is_liked, video.is_bookmarked) for video in videos} == {(False, False)}


def test_staff_see_their_own_flags(shelf):
    staff = ModeratorFactory()
    VideoLikeFactory(video=shelf["none"], user=staff)

    videos = {video.title: video for video in video_queryset_visible(viewer=staff)}

    assert (videos["none"].is_liked, videos["none"].is_bookmarked) == (True, False)
    assert videos["both"].is_liked is False


# -- the API ---------------------------------------------------------------------------


def test_the_video_list_shows_the_callers_flags(my_client, shelf):
    response = my_client.get("/api/v1/videos/")

    assert response.status_code == 200
    assert flags(response.json()["results"]) == EXPECTED


def test_the_video_list_shows_false_to_anonymous_callers(api_client, shelf):
    results = api_client.get("/api/v1/videos/").json()["results"]

    assert set(flags(results).values()) == {(False, False)}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_video_shows_the_callers_flags(my_client, shelf, name):
    response = my_client.get(f"/api/v1/videos/{shelf[name].pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["is_liked"], body["is_bookmarked"]) == EXPECTED[name]


def test_the_flags_follow_likes_and_bookmarks_made_through_the_api(my_client):
    video = VideoFactory()
    url = f"/api/v1/videos/{video.pk}/"

    my_client.post(f"{url}like/")
    my_client.post(f"{url}bookmark/")
    after_both = my_client.get(url).json()
    my_client.delete(f"{url}like/")
    after_unlike = my_client.get(url).json()

    assert (after_both["is_liked"], after_both["is_bookmarked"]) == (True, True)
    assert (after_unlike["is_liked"], after_unlike["is_bookmarked"]) == (False, True)


def test_an_edit_answers_with_the_flags(make_auth_client):
    owner = UserFactory()
    video = VideoFactory(owner=owner)
    VideoLikeFactory(video=video, user=owner)

    response = make_auth_client(owner).patch(f"/api/v1/videos/{video.pk}/", {"title": "New"})

    assert response.status_code == 200
    assert (response.json()["is_liked"], response.json()["is_bookmarked"]) == (True, False)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/users/creator/videos/", "/api/v1/feed/trending/", "/api/v1/feed/following/"],
)
def test_the_feeds_show_the_callers_flags(me, my_client, path):
    creator = UserFactory(username="creator")
    SocialGraph().follow(me, creator)
    liked = VideoFactory(owner=creator, title="liked", trending_score=2.0)
    VideoFactory(owner=creator, title="none", trending_score=1.0)
    VideoLikeFactory(video=liked, user=me)
    BookmarkFactory(video=liked, user=me)

    results = my_client.get(path).json()["results"]

    assert flags(results) == {"liked": (True, True), "none": (False, False)}


def test_the_watch_history_shows_the_callers_flags(me, my_client, shelf):
    for video in shelf.values():
        my_client.post(f"/api/v1/videos/{video.pk}/views/", {"watched_seconds": 12})

    results = my_client.get("/api/v1/users/me/history/").json()["results"]

    assert flags([entry["video"] for entry in results]) == EXPECTED


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_video_list_costs_the_same_queries_at_any_page_size(
    me, my_client, django_assert_num_queries, page_size
):
    for index in range(25):
        video = VideoFactory()
        if index % 2:
            VideoLikeFactory(video=video, user=me)
        if index % 3:
            BookmarkFactory(video=video, user=me)

    with django_assert_num_queries(2):  # authentication, then the page with its flags
        response = my_client.get(f"/api/v1/videos/?page_size={page_size}")

    results = response.json()["results"]
    assert len(results) == page_size
    if page_size == 20:
        assert {(video["is_liked"], video["is_bookmarked"]) for video in results} == {
            (False, False),
            (False, True),
            (True, False),
            (True, True),
        }


def test_a_video_read_without_the_selector_shows_false(me):
    video = Video.objects.get(pk=VideoFactory(owner=me).pk)  # not through the selector

    body = VideoSerializer(video).data
    assert (body["is_liked"], body["is_bookmarked"]) == (False, False)
