"""Cursor pagination: complete, stable walks in both directions at a fixed query cost."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing

from core.pagination import CURSOR_SALT
from tests.core.factories import EntryFactory
from tests.testapp.models import Entry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

ENTRIES = "/api/v1/test/entries/"
BY_RANK = "/api/v1/test/entries-by-rank/"


def walk(client, url, *, link="next"):
    """Follow `link` from `url` to the end; return the ids in the order seen."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        page_ids = [item["id"] for item in body["results"]]
        ids.extend(page_ids if link == "next" else reversed(page_ids))
        url = body[link]
        pages += 1
    return ids, pages


@pytest.fixture
def ranked_entries():
    """45 entries whose ranks repeat (0, 1, 2, 0, 1, 2, ...): ties everywhere."""
    return [EntryFactory(rank=n % 3) for n in range(45)]


def by_rank_then_id(entries):
    ordered = sorted(entries, key=lambda entry: (entry.rank, entry.id), reverse=True)
    return [str(entry.id) for entry in ordered]


def test_first_page_has_the_default_size_and_no_previous_link(api_client):
    entries = [EntryFactory() for _ in range(25)]
    body = api_client.get(ENTRIES).json()
    assert set(body) == {"next", "previous", "results"}
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/v1/test/entries/?cursor=")
    newest_first = sorted(entries, key=lambda e: (e.created_at, e.id), reverse=True)
    assert [item["id"] for item in body["results"]] == [str(e.id) for e in newest_first[:20]]


def test_forward_walk_visits_every_row_once_in_order_despite_ties(api_client, ranked_entries):
    ids, pages = walk(api_client, f"{BY_RANK}?page_size=7")
    assert ids == by_rank_then_id(ranked_entries)
    assert pages == 7  # 6 full pages of 7 and one of 3


def test_backward_walk_from_the_last_page_visits_every_row_once(api_client, ranked_entries):
    url = f"{BY_RANK}?page_size=10"
    while True:
        body = api_client.get(url).json()
        if body["next"] is None:
            break
        url = body["next"]
    last_page_ids = [item["id"] for item in body["results"]]
    earlier_ids, _ = walk(api_client, body["previous"], link="previous")
    expected = by_rank_then_id(ranked_entries)
    assert list(reversed(earlier_ids)) + last_page_ids == expected


def test_previous_link_returns_the_page_before(api_client, ranked_entries):
    first = api_client.get(f"{BY_RANK}?page_size=5").json()
    second = api_client.get(first["next"]).json()
    back = api_client.get(second["previous"]).json()
    assert back["results"] == first["results"]
    assert back["previous"] is None
    assert back["next"] is not None


def test_rows_added_at_the_head_do_not_shift_later_pages(api_client, ranked_entries):
    first = api_client.get(f"{BY_RANK}?page_size=5").json()
    EntryFactory.create_batch(3, rank=5)  # would sort before everything seen so far
    second = api_client.get(first["next"]).json()
    assert [item["id"] for item in second["results"]] == by_rank_then_id(ranked_entries)[5:10]


def test_page_size_is_capped_at_the_maximum(api_client):
    Entry.objects.bulk_create([Entry(title=f"e{n}") for n in range(105)])
    body = api_client.get(f"{ENTRIES}?page_size=500").json()
    assert len(body["results"]) == 100
    assert "page_size=500" in body["next"]


@pytest.mark.parametrize(
    "page_size", ["abc", "0", "-3", "1.5", "", "%0D6", "+6", "6_0", "%D9%A3", "%206"]
)
def test_a_bad_page_size_is_a_400_with_a_stable_code(api_client, page_size):
    response = api_client.get(f"{ENTRIES}?page_size={page_size}")
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "invalid_page_size",
                "detail": "page_size must be a whole number from 1 to 100.",
                "attr": "page_size",
            }
        ],
    }


def _cursor_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["cursor"][0]


def _forged(payload) -> str:
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


@pytest.mark.parametrize(
    "make_cursor",
    [
        pytest.param(
            lambda real: real[:-4] + ("AAAA" if real[-4:] != "AAAA" else "BBBB"), id="edited"
        ),
        pytest.param(lambda real: "not-a-cursor", id="garbage"),
        pytest.param(lambda real: signing.dumps({"o": ["-rank", "-id"]}), id="wrong-salt"),
        pytest.param(lambda real: _forged(["list"]), id="not-a-dict"),
        pytest.param(
            lambda real: _forged({"o": ["-rank", "-id"], "p": [1], "b": False}), id="short"
        ),
        pytest.param(
            lambda real: _forged({"o": ["-rank", "-id"], "p": ["x", "y"], "b": False}),
            id="bad-values",
        ),
        pytest.param(
            lambda real: _forged({"o": ["-rank", "-id"], "p": [{"a": 1}, "y"], "b": False}),
            id="bad-types",
        ),
        pytest.param(lambda real: _forged({"o": ["-rank", "-id"], "b": False}), id="no-position"),
    ],
)
def test_a_tampered_or_foreign_cursor_is_a_400(api_client, ranked_entries, make_cursor):
    real = _cursor_of(api_client.get(f"{BY_RANK}?page_size=5").json()["next"])
    response = api_client.get(BY_RANK, {"cursor": make_cursor(real)})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "invalid_cursor",
            "detail": "The cursor is invalid or has been tampered with.",
            "attr": "cursor",
        }
    ]


def test_a_cursor_from_another_ordering_is_a_400(api_client, ranked_entries):
    cursor = _cursor_of(api_client.get(f"{BY_RANK}?page_size=5").json()["next"])
    response = api_client.get(ENTRIES, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_cursor"


@pytest.mark.parametrize("page_size", [5, 50])
def test_a_page_costs_one_query_whatever_its_size_or_depth(
    api_client, django_assert_num_queries, page_size
):
    Entry.objects.bulk_create([Entry(title=f"e{n}", rank=n % 4) for n in range(120)])
    first = api_client.get(f"{BY_RANK}?page_size={page_size}").json()
    with django_assert_num_queries(1):
        deeper = api_client.get(first["next"])
    assert len(deeper.json()["results"]) == page_size


def test_an_empty_list_has_no_links(api_client):
    assert api_client.get(ENTRIES).json() == {"next": None, "previous": None, "results": []}


def test_cursors_are_opaque(api_client, ranked_entries):
    body = api_client.get(f"{BY_RANK}?page_size=5").json()
    cursor = _cursor_of(body["next"])
    last_id = body["results"][-1]["id"]
    assert last_id not in cursor
    assert last_id.replace("-", "") not in cursor
