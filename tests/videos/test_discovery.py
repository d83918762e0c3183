"""Discovery: the video list's filters and orderings, a user's videos, categories and
trending tags; every list private where it must be, and at a fixed query cost."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.conftest import error_one
from tests.videos.factories import CategoryFactory, VideoFactory
from videos.models import Category, Video

pytestmark = pytest.mark.django_db

V = Video.Visibility
NOW = timezone.now()


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


def id_set(*videos) -> set[str]:
    return {str(video.pk) for video in videos}


def id_list(*videos) -> list[str]:
    return [str(video.pk) for video in videos]


VIDEOS = "/api/v1/videos/"


# -- tags ---------------------------------------------------------------------------


@pytest.fixture
def tagged():
    return {
        "cats_dogs": VideoFactory(tags=["cats", "dogs"]),
        "cats": VideoFactory(tags=["cats"]),
        "dogs": VideoFactory(tags=["dogs", "parrots"]),
        "birds": VideoFactory(tags=["birds"]),
        "none": VideoFactory(tags=[]),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=cats", {"cats_dogs", "cats"}),
        ("tag=cats&tag=dogs", {"cats_dogs"}),
        ("tag=cats&tag=dogs&tag_match=all", {"cats_dogs"}),
        ("tag=cats&tag=dogs&tag_match=any", {"cats_dogs", "cats", "dogs"}),
        ("tag=parrots&tag=birds&tag_match=any", {"dogs", "birds"}),
        ("tag=parrots&tag=birds", set()),
        ("tag=%23Cats", {"cats_dogs", "cats"}),  # written as on upload: #Cats is cats
        ("tag=CATS&tag=cats", {"cats_dogs", "cats"}),
        ("tag=cats,dogs", {"cats_dogs"}),  # commas separate tags, as on upload
        ("tag=cats,,%20dogs%20,&tag_match=all", {"cats_dogs"}),
        ("tag=cats,dogs&tag=parrots&tag_match=any", {"cats_dogs", "cats", "dogs"}),
        ("tag=", {"cats_dogs", "cats", "dogs", "birds", "none"}),  # blank: no filter
        ("tag=cat", set()),  # tags match whole
        ("tag_match=any", {"cats_dogs", "cats", "dogs", "birds", "none"}),
    ],
)
def test_tag_filter_matches_all_tags_or_any(api_client, tagged, query, expected):
    names = {str(video.pk): name for name, video in tagged.items()}
    response = api_client.get(f"{VIDEOS}?{query}&page_size=100")
    assert {names[item] for item in ids(response)} == expected


@pytest.mark.parametrize(
    ("query", "code", "attr"),
    [
        ("tag=two%20words", "invalid_tag", "tag"),
        ("tag=cats&tag=no!", "invalid_tag", "tag"),
        ("tag=cats,no!", "invalid_tag", "tag"),
        (f"tag={'a' * 51}", "invalid_tag", "tag"),
        ("&".join(f"tag=t{n}" for n in range(21)), "max_length", "tag"),
        ("tag=cats&tag_match=some", "invalid_choice", "tag_match"),
    ],
)
def test_bad_tag_parameters_are_400(api_client, tagged, query, code, attr):
    assert error_one(api_client.get(f"{VIDEOS}?{query}")) == (code, attr)


def test_twenty_tags_are_accepted(api_client, tagged):
    query = "&".join(f"tag=t{n}" for n in range(19))
    assert ids(api_client.get(f"{VIDEOS}?{query}&tag=cats&tag_match=any")) != []


# -- category, owner, language ------------------------------------------------------


def test_category_filter_takes_a_slug(api_client):
    music, games = CategoryFactory(slug="music-test"), CategoryFactory(slug="games-test")
    in_music = VideoFactory(category=music)
    VideoFactory(category=games)
    VideoFactory(category=None)
    assert ids(api_client.get(f"{VIDEOS}?category=music-test")) == id_list(in_music)


def test_an_unknown_category_is_400_invalid_choice(api_client):
    VideoFactory()
    response = api_client.get(f"{VIDEOS}?category=no-such-category")
    assert error_one(response) == ("invalid_choice", "category")


def test_owner_filter_takes_a_username_in_any_case(api_client):
    alice = UserFactory(username="Alice")
    first = VideoFactory(owner=alice, published_at=ago(hours=2))
    second = VideoFactory(owner=alice, published_at=ago(hours=1))
    VideoFactory()
    assert ids(api_client.get(f"{VIDEOS}?owner=aLiCe")) == id_list(second, first)
    assert ids(api_client.get(f"{VIDEOS}?owner=nobody")) == []


def test_language_filter(api_client):
    brazilian = VideoFactory(language="pt-BR")
    VideoFactory(language="en")
    VideoFactory(language="")
    assert ids(api_client.get(f"{VIDEOS}?language=pt-br")) == id_list(brazilian)
    assert ids(api_client.get(f"{VIDEOS}?language=de")) == []


@pytest.mark.parametrize(
    ("query", "code", "attr"),
    [
        ("language=english!", "invalid", "language"),
        ("language=en-abcdefgh-abcdefgh", "max_length", "language"),
        (f"owner={'a' * 151}", "max_length", "owner"),
        (f"search={'a' * 201}", "max_length", "search"),
        ("search=a%00b", "null_characters_not_allowed", "search"),
        ("ordering=title", "invalid_choice", "ordering"),
        ("ordering=published_at", "invalid_choice", "ordering"),
        ("ordering=-trending_score", "invalid_choice", "ordering"),
        ("page_size=0", "invalid_page_size", "page_size"),
        ("page_size=many", "invalid_page_size", "page_size"),
        ("cursor=not-a-cursor", "invalid_cursor", "cursor"),
    ],
)
def test_bad_parameters_are_400_with_stable_codes(api_client, query, code, attr):
    VideoFactory()
    assert error_one(api_client.get(f"{VIDEOS}?{query}")) == (code, attr)


def test_filters_combine(api_client):
    alice = UserFactory(username="alice")
    music = CategoryFactory(slug="music-test")
    match = VideoFactory(owner=alice, category=music, tags=["live"], language="en")
    VideoFactory(owner=alice, category=music, tags=["live"], language="fr")
    VideoFactory(owner=alice, category=None, tags=["live"], language="en")
    VideoFactory(category=music, tags=["live"], language="en")
    response = api_client.get(f"{VIDEOS}?owner=alice&category=music-test&tag=live&language=en")
    assert ids(response) == id_list(match)


# -- orderings ----------------------------------------------------------------------


@pytest.fixture
def ranked():
    """Three videos whose orders differ by each ordering; two tie on likes."""
    return {
        "old_viral": VideoFactory(published_at=ago(days=3), view_count=900, like_count=5),
        "middle": VideoFactory(published_at=ago(days=2), view_count=10, like_count=50),
        "new": VideoFactory(published_at=ago(days=1), view_count=300, like_count=5),
    }


def by_id_desc(*videos) -> list[str]:
    return [str(pk) for pk in sorted((video.pk for video in videos), reverse=True)]


def test_default_ordering_is_newest_published_first(api_client, ranked):
    expected = id_list(ranked["new"], ranked["middle"], ranked["old_viral"])
    assert ids(api_client.get(VIDEOS)) == expected
    assert ids(api_client.get(f"{VIDEOS}?ordering=-published_at")) == expected


def test_ordering_by_views(api_client, ranked):
    response = api_client.get(f"{VIDEOS}?ordering=-view_count")
    assert ids(response) == id_list(ranked["old_viral"], ranked["new"], ranked["middle"])


def test_ordering_by_likes_breaks_ties_by_id(api_client, ranked):
    response = api_client.get(f"{VIDEOS}?ordering=-like_count")
    tied = by_id_desc(ranked["old_viral"], ranked["new"])
    assert ids(response) == [str(ranked["middle"].pk), *tied]


def test_a_cursor_walks_an_ordering_to_the_end_and_stays_in_it(api_client):
    videos = [VideoFactory(view_count=n % 4) for n in range(9)]
    expected = [str(v.pk) for v in sorted(videos, key=lambda v: (v.view_count, v.pk))][::-1]
    seen, url = [], f"{VIDEOS}?ordering=-view_count&page_size=4"
    while url:
        response = api_client.get(url)
        seen += ids(response)
        url = response.json()["next"]
    assert seen == expected


def test_a_cursor_of_another_ordering_is_400(api_client):
    for _ in range(3):
        VideoFactory()
    next_link = api_client.get(f"{VIDEOS}?ordering=-view_count&page_size=1").json()["next"]
    cursor = parse_qs(urlparse(next_link).query)["cursor"][0]
    response = api_client.get(VIDEOS, {"cursor": cursor})
    assert error_one(response) == ("invalid_cursor", "cursor")
    response = api_client.get(VIDEOS, {"cursor": cursor, "ordering": "-like_count"})
    assert error_one(response) == ("invalid_cursor", "cursor")


# -- privacy of the filtered list ---------------------------------------------------


@pytest.fixture
def hidden_world(graph, make_auth_client):
    """Videos tagged `x` that a stranger must not find, and one they may."""
    owner = UserFactory(username="owner")
    private_account = UserFactory(username="private_account", is_private=True)
    blocker = UserFactory(username="blocker")
    stranger = UserFactory(username="stranger")
    graph.block(blocker, stranger)
    visible = VideoFactory(owner=owner, tags=["x"], title="findme")
    for visibility in (V.UNLISTED, V.FOLLOWERS, V.PRIVATE):
        VideoFactory(owner=owner, visibility=visibility, tags=["x"], title="findme")
    VideoFactory(owner=owner, status=Video.Status.PROCESSING, tags=["x"], title="findme")
    VideoFactory(owner=private_account, tags=["x"], title="findme")
    VideoFactory(owner=blocker, tags=["x"], title="findme")
    return visible, make_auth_client(stranger)


@pytest.mark.parametrize(
    "query",
    [
        "tag=x",
        "tag=x&tag=y&tag_match=any",
        "search=findme",
        "ordering=-view_count",
        "ordering=-like_count",
        "owner=owner",
        "owner=private_account",
        "owner=blocker",
    ],
)
def test_filters_never_reveal_what_the_caller_may_not_see(hidden_world, query):
    visible, stranger_client = hidden_world
    found = set(ids(stranger_client.get(f"{VIDEOS}?{query}&page_size=100")))
    assert found <= id_set(visible)


# -- query counts -------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ("", 2),
        ("tag=a&tag=b&tag_match=any", 2),
        ("tag=a", 2),
        ("search=video", 2),
        ("ordering=-view_count", 2),
        ("ordering=-like_count&owner=owner&language=en", 2),
        ("category=music-test", 3),  # the slug is looked up, to answer 400 when unknown
    ],
)
def test_the_list_costs_the_same_queries_at_any_page_size(
    make_auth_client, django_assert_num_queries, page_size, query, queries
):
    owner = UserFactory(username="owner")
    music = CategoryFactory(slug="music-test")
    for _ in range(25):
        VideoFactory(owner=owner, tags=["a", "b"], language="en", category=music)
    client = make_auth_client(UserFactory())
    with django_assert_num_queries(queries):  # authentication, (category), the page
        response = client.get(f"{VIDEOS}?{query}&page_size={page_size}")
    assert len(ids(response)) == page_size


# -- a user's videos ----------------------------------------------------------------


def user_videos(username: str) -> str:
    return f"/api/v1/users/{username}/videos/"


@pytest.fixture
def profile(graph, make_auth_client):
    owner = UserFactory(username="Owner")
    follower = UserFactory(username="follower")
    graph.follow(follower, owner)
    made = {}
    # Uploaded in this order (created_at), published in another (published_at).
    specs = [
        ("public_old", V.PUBLIC, Video.Status.READY, ago(days=5)),
        ("followers", V.FOLLOWERS, Video.Status.READY, ago(days=1)),
        ("unlisted", V.UNLISTED, Video.Status.READY, ago(days=2)),
        ("private", V.PRIVATE, Video.Status.READY, ago(days=3)),
        ("processing", V.PUBLIC, Video.Status.PROCESSING, None),
        ("failed", V.PUBLIC, Video.Status.FAILED, None),
        ("public_new", V.PUBLIC, Video.Status.READY, ago(hours=1)),
    ]
    for minutes, (name, visibility, status, published_at) in enumerate(specs):
        made[name] = VideoFactory(
            owner=owner, visibility=visibility, status=status, published_at=published_at
        )
        Video.objects.filter(pk=made[name].pk).update(
            created_at=ago(days=10) + timedelta(minutes=minutes)
        )
    VideoFactory(published_at=ago(minutes=1))  # someone else's
    clients = {
        "anonymous": APIClient(),
        "stranger": make_auth_client(UserFactory(username="stranger")),
        "follower": make_auth_client(follower),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory(username="staff")),
    }
    return owner, made, clients


PROFILE_LISTS = {
    "anonymous": ["public_new", "public_old"],
    "stranger": ["public_new", "public_old"],
    "follower": ["public_new", "followers", "public_old"],
    # Newest uploaded first, whatever the status.
    "owner": [
        "public_new",
        "failed",
        "processing",
        "private",
        "unlisted",
        "followers",
        "public_old",
    ],
    "staff": ["public_new", "followers", "unlisted", "private", "public_old"],
}


@pytest.mark.parametrize("viewer", list(PROFILE_LISTS))
def test_a_users_videos_follow_the_privacy_rule(profile, viewer):
    _, made, clients = profile
    names = {str(video.pk): name for name, video in made.items()}
    response = clients[viewer].get(user_videos("owner") + "?page_size=100")
    assert [names[pk] for pk in ids(response)] == PROFILE_LISTS[viewer]


def test_the_owner_walks_their_list_by_upload_date(profile):
    _, made, clients = profile
    seen, url = [], user_videos("OWNER") + "?page_size=2"
    while url:
        response = clients["owner"].get(url)
        seen += ids(response)
        url = response.json()["next"]
    assert len(seen) == 7
    assert seen == [str(made[name].pk) for name in PROFILE_LISTS["owner"]]


def test_an_unknown_user_is_404(api_client):
    response = api_client.get(user_videos("nobody"))
    assert error_one(response, 404) == ("not_found", None)


@pytest.mark.parametrize(
    "status",
    [User.Status.SUSPENDED, User.Status.BANNED, User.Status.DELETED, User.Status.DEACTIVATED],
)
def test_a_user_who_may_not_sign_in_is_404_except_to_staff(profile, status):
    owner, _, clients = profile
    User.objects.filter(pk=owner.pk).update(status=status)
    for viewer in ("anonymous", "stranger", "follower"):
        assert clients[viewer].get(user_videos("owner")).status_code == 404
    assert clients["staff"].get(user_videos("owner")).status_code == 200


def test_a_block_either_way_is_404(profile, graph):
    owner, _, clients = profile
    stranger = User.objects.get(username="stranger")
    graph.block(stranger, owner)
    assert error_one(clients["stranger"].get(user_videos("owner")), 404) == ("not_found", None)
    graph.unblock(stranger, owner)
    graph.block(owner, stranger)
    assert error_one(clients["stranger"].get(user_videos("owner")), 404) == ("not_found", None)
    assert clients["anonymous"].get(user_videos("owner")).status_code == 200


def test_a_cursor_of_the_owners_list_is_400_for_others(profile):
    _, _, clients = profile
    next_link = clients["owner"].get(user_videos("owner") + "?page_size=1").json()["next"]
    cursor = parse_qs(urlparse(next_link).query)["cursor"][0]
    response = clients["stranger"].get(user_videos("owner"), {"cursor": cursor})
    assert error_one(response) == ("invalid_cursor", "cursor")


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(("viewer", "queries"), [("anonymous", 2), ("owner", 3), ("follower", 3)])
def test_a_users_videos_cost_the_same_queries_at_any_page_size(
    profile, django_assert_num_queries, page_size, viewer, queries
):
    owner, _, clients = profile
    for _ in range(25):
        VideoFactory(owner=owner, visibility=V.PUBLIC)
    with django_assert_num_queries(queries):  # (authentication), the user, the page
        response = clients[viewer].get(user_videos("owner") + f"?page_size={page_size}")
    assert len(ids(response)) == page_size


# -- categories ---------------------------------------------------------------------


def test_categories_are_listed_by_position_then_name(api_client):
    Category.objects.all().delete()
    CategoryFactory(slug="zeta", name="Zeta", position=1)
    CategoryFactory(slug="beta", name="Beta", position=2)
    CategoryFactory(slug="alpha", name="Alpha", position=1)
    response = api_client.get("/api/v1/categories/")
    assert response.status_code == 200
    assert response.json() == [
        {"slug": "alpha", "name": "Alpha"},
        {"slug": "zeta", "name": "Zeta"},
        {"slug": "beta", "name": "Beta"},
    ]


def test_the_seeded_categories_are_listed(api_client):
    response = api_client.get("/api/v1/categories/")
    expected = list(Category.objects.order_by("position", "name").values_list("slug", flat=True))
    assert len(expected) > 0
    assert [item["slug"] for item in response.json()] == expected


@pytest.mark.parametrize("count", [1, 20])
def test_categories_cost_one_query_whatever_their_number(
    api_client, django_assert_num_queries, count
):
    Category.objects.all().delete()
    for n in range(count):
        CategoryFactory(slug=f"c{n}")
    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/categories/")
    assert len(response.json()) == count


# -- trending tags ------------------------------------------------------------------

TRENDING_TAGS = "/api/v1/tags/trending/"


def test_trending_tags_count_recent_public_videos(api_client, graph):
    private_account = UserFactory(is_private=True)
    VideoFactory(tags=["cats", "dogs"], published_at=ago(hours=1))
    VideoFactory(tags=["cats"], published_at=ago(days=6, hours=23))
    VideoFactory(tags=["dogs", "cats"], published_at=ago(days=2))
    VideoFactory(tags=["birds"], published_at=ago(days=3))
    VideoFactory(tags=["aardvarks"], published_at=ago(days=3))
    # Not counted: too old, not public, not ready, of a private account.
    VideoFactory(tags=["old"], published_at=ago(days=7, hours=1))
    VideoFactory(tags=["secret"], visibility=V.PRIVATE)
    VideoFactory(tags=["secret"], visibility=V.UNLISTED)
    VideoFactory(tags=["secret"], visibility=V.FOLLOWERS)
    VideoFactory(tags=["secret"], status=Video.Status.PROCESSING)
    VideoFactory(tags=["secret"], owner=private_account)
    response = api_client.get(TRENDING_TAGS)
    assert response.status_code == 200
    assert response.json() == [
        {"tag": "cats", "count": 3},
        {"tag": "dogs", "count": 2},
        {"tag": "aardvarks", "count": 1},
        {"tag": "birds", "count": 1},
    ]


def test_trending_tags_are_the_top_twenty(api_client):
    for n in range(25):
        VideoFactory(tags=[f"tag{n:02d}"] + (["everywhere"] if n % 2 else []))
    body = api_client.get(TRENDING_TAGS).json()
    assert len(body) == 20
    assert body[0] == {"tag": "everywhere", "count": 12}
    assert [item["tag"] for item in body[1:]] == [f"tag{n:02d}" for n in range(19)]


def test_trending_tags_when_nothing_was_published(api_client):
    assert api_client.get(TRENDING_TAGS).json() == []


@pytest.mark.parametrize("videos", [1, 20])
def test_trending_tags_cost_one_query(api_client, django_assert_num_queries, videos):
    for n in range(videos):
        VideoFactory(tags=[f"t{n}", "common"])
    with django_assert_num_queries(1):
        response = api_client.get(TRENDING_TAGS)
    assert response.json()[0] == {"tag": "common", "count": videos}
