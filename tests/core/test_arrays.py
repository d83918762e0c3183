"""array_item_counts: the most frequent array items, the same on SQLite and PostgreSQL."""

import uuid

import pytest

from core.arrays import array_item_counts
from tests.testapp.models import Entry, TaggedItem

pytestmark = pytest.mark.django_db

FIRST_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.fixture
def items():
    rows = {
        "a": {"tags": ["cats", "dogs"], "numbers": [1, 2], "uuids": [FIRST_UUID]},
        "b": {"tags": ["cats"], "numbers": [2], "uuids": [FIRST_UUID]},
        "c": {"tags": ["dogs", "cats", "zebras"], "numbers": [2, 3]},
        "d": {"tags": ["aardvarks"], "numbers": [5, 5]},
        "holes": {"tags": [None, "birds"], "numbers": []},
        "null": {"tags": None},
        "empty": {"tags": []},
    }
    return {name: TaggedItem.objects.create(name=name, **fields) for name, fields in rows.items()}


def test_items_by_frequency_then_value(items):
    assert array_item_counts(TaggedItem.objects.all(), field="tags", limit=10) == [
        ("cats", 3),
        ("dogs", 2),
        ("aardvarks", 1),
        ("birds", 1),
        ("zebras", 1),
    ]


def test_the_limit_keeps_the_most_frequent(items):
    assert array_item_counts(TaggedItem.objects.all(), field="tags", limit=2) == [
        ("cats", 3),
        ("dogs", 2),
    ]


def test_only_the_querysets_rows_count(items):
    queryset = TaggedItem.objects.filter(name__in=["b", "c"]).order_by("-name")
    assert array_item_counts(queryset, field="tags", limit=10) == [
        ("cats", 2),
        ("dogs", 1),
        ("zebras", 1),
    ]


def test_integers_and_repeats_within_an_array(items):
    assert array_item_counts(TaggedItem.objects.all(), field="numbers", limit=10) == [
        (2, 3),
        (5, 2),
        (1, 1),
        (3, 1),
    ]


def test_uuids_come_back_as_uuids(items):
    assert array_item_counts(TaggedItem.objects.all(), field="uuids", limit=10) == [(FIRST_UUID, 2)]


def test_no_rows_no_items(items):
    assert array_item_counts(TaggedItem.objects.none(), field="tags", limit=10) == []
    assert array_item_counts(TaggedItem.objects.filter(name="x"), field="tags", limit=10) == []
    assert array_item_counts(TaggedItem.objects.filter(pk__in=[]), field="tags", limit=10) == []


@pytest.mark.parametrize("rows", [1, 20])
def test_one_query_whatever_the_rows(django_assert_num_queries, rows):
    for n in range(rows):
        TaggedItem.objects.create(name=f"row{n}", tags=["common", f"t{n}"])
    with django_assert_num_queries(1):
        counts = array_item_counts(TaggedItem.objects.all(), field="tags", limit=3)
    assert counts[0] == ("common", rows)


def test_only_portable_array_fields():
    with pytest.raises(TypeError, match="not a PortableArrayField"):
        array_item_counts(Entry.objects.all(), field="title", limit=3)
