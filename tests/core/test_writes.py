"""`core.writes`: an insert that yields to a unique constraint, an update that hands
back what it wrote; on both databases, inside a transaction that stays usable."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from core.writes import row_insert_unless_conflict, rows_update_returning
from tests.testapp.models import Entry, TaggedItem

pytestmark = pytest.mark.django_db


def test_an_insert_goes_in_with_its_fields_filled_as_save_fills_them():
    item = TaggedItem(name="first")

    assert row_insert_unless_conflict(item) is True

    stored = TaggedItem.objects.get(name="first")
    assert (stored.pk, stored.numbers, stored.created_at) == (item.pk, [], item.created_at)
    assert item.created_at is not None
    assert not item._state.adding


def test_an_insert_a_unique_constraint_refuses_is_skipped_and_the_transaction_goes_on():
    TaggedItem.objects.create(name="taken")
    late = TaggedItem(name="taken")

    with transaction.atomic():
        assert row_insert_unless_conflict(late) is False
        TaggedItem.objects.create(name="after")  # no savepoint needed (PostgreSQL)

    assert sorted(TaggedItem.objects.values_list("name", flat=True)) == ["after", "taken"]
    assert late._state.adding


def test_other_constraints_still_raise():
    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert_unless_conflict(TaggedItem(name=None))


def test_an_update_hands_back_the_values_it_wrote_in_the_rows_it_changed():
    first = Entry.objects.create(title="a", rank=1)
    Entry.objects.create(title="b", rank=5)

    ranks = rows_update_returning(
        Entry.objects.filter(pk=first.pk), returning="rank", rank=F("rank") + 2
    )

    assert ranks == [3]
    assert rows_update_returning(Entry.objects.filter(rank__gt=100), returning="rank", rank=0) == []
    assert sorted(rows_update_returning(Entry.objects.all(), returning="title", title="c")) == [
        "c",
        "c",
    ]
