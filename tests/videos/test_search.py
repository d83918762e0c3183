"""Searching videos: the same answers on PostgreSQL (full-text search on a GIN index)
and SQLite (a scan), for words in titles, descriptions and tags, in any case."""

import pytest
from django.db import connection

from core.search import SEARCH_WORDS_MAX, SearchMatch, search_words
from tests.videos.factories import VideoFactory
from videos.models import Video
from videos.selectors import video_queryset_search

pytestmark = pytest.mark.django_db

VIDEOS = "/api/v1/videos/"


@pytest.fixture
def library():
    return {
        "pasta": VideoFactory(
            title="Cooking Pasta at home", description="Fresh tagliatelle.", tags=["italian"]
        ),
        "bread": VideoFactory(
            title="BREAD", description="Learn to bake a loaf by hand.", tags=["sourdough"]
        ),
        "guide": VideoFactory(title="Knots", description="", tags=["how-to", "sailing"]),
        "creme": VideoFactory(title="Crème brûlée", description="A French dessert."),
        "snake": VideoFactory(title="snake_case names", description="Python style."),
        "other": VideoFactory(title="Travel diary", description="Lisbon in spring."),
    }


def found(client, search: str, **params) -> set[str]:
    response = client.get(VIDEOS, {"search": search, "page_size": 100, **params})
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


def names(library, *keys) -> set[str]:
    return {str(library[key].pk) for key in keys}


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("pasta", {"pasta"}),  # a title word
        ("tagliatelle", {"pasta"}),  # a description word
        ("sourdough", {"bread"}),  # a tag
        ("PASTA", {"pasta"}),  # any case, either way
        ("bread", {"bread"}),
        ("BrEaD LoAf", {"bread"}),
        ("pasta italian", {"pasta"}),  # every word, across title and tags
        ("bread italian", set()),  # every word must be found
        ("cook", {"pasta"}),  # the start of a word
        ("sushi", set()),  # no match
        ("how-to", {"guide"}),  # a hyphenated tag, whole
        ("sailing how", {"guide"}),  # and by its parts
        ("crème", {"creme"}),
        ("Crème brûlée", {"creme"}),
        ("snake_case", {"snake"}),  # underscores split words on both databases
        ("  pasta!!!  ", {"pasta"}),  # punctuation is not searched for
        ("pasta pasta", {"pasta"}),
        ("lisbon spring travel", {"other"}),
    ],
)
def test_search_finds_every_word_in_title_description_or_tags(
    api_client, library, search, expected
):
    assert found(api_client, search) == names(library, *expected)


def test_a_search_without_letters_or_digits_finds_nothing(api_client, library):
    assert found(api_client, "!!! ... ---") == set()


def test_a_blank_search_does_not_filter(api_client, library):
    assert found(api_client, "") == names(library, *library)
    assert found(api_client, "   ") == names(library, *library)


def test_search_keeps_the_chosen_ordering(api_client):
    low = VideoFactory(title="Guitar lesson one", view_count=5, like_count=30)
    high = VideoFactory(title="Guitar lesson two", view_count=50, like_count=3)
    VideoFactory(title="Piano lesson", view_count=500)
    for ordering, expected in [
        ("-view_count", [high, low]),
        ("-like_count", [low, high]),
        ("-published_at", [high, low]),
    ]:
        response = api_client.get(VIDEOS, {"search": "guitar lesson", "ordering": ordering})
        assert [item["id"] for item in response.json()["results"]] == [
            str(video.pk) for video in expected
        ]


def test_search_combines_with_the_other_filters(api_client, library):
    assert found(api_client, "bake", tag="sourdough") == names(library, "bread")
    assert found(api_client, "bake", tag="italian") == set()


def test_search_words_are_letter_and_digit_runs_lower_cased():
    assert search_words("How-to, CATS & dogs_2! cats") == ["how", "to", "cats", "dogs", "2"]
    assert search_words("100% 'quoted' \\back") == ["100", "quoted", "back"]
    assert search_words("Ünïcode 日本語") == ["ünïcode", "日本語"]
    assert search_words("!!!") == []


def test_search_words_are_bounded():
    words = [f"w{n}" for n in range(SEARCH_WORDS_MAX + 5)]
    assert search_words(" ".join(words)) == words[:SEARCH_WORDS_MAX]


def test_search_match_takes_only_search_words():
    with pytest.raises(ValueError, match="at least one word"):
        SearchMatch("title", words=[])
    with pytest.raises(ValueError, match="search_words"):
        SearchMatch("title", words=["it's"])


def test_search_match_works_without_an_array_field(library):
    matches = Video.objects.filter(SearchMatch("title", words=["pasta"]))
    assert set(matches.values_list("pk", flat=True)) == {library["pasta"].pk}
    assert not Video.objects.filter(SearchMatch("title", words=["italian"])).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_search_uses_the_gin_expression_index(library):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = video_queryset_search(Video.objects.all(), text="pasta italian").explain()
    assert "videos_search_gin" in plan


@pytest.mark.parametrize("page_size", [1, 20])
def test_search_costs_the_same_queries_at_any_page_size(
    api_client, django_assert_num_queries, page_size
):
    for n in range(25):
        VideoFactory(title=f"Match {n}", tags=["match"])
    with django_assert_num_queries(1):
        response = api_client.get(VIDEOS, {"search": "match", "page_size": page_size})
    assert len(response.json()["results"]) == page_size
