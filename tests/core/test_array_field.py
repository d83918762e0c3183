"""PortableArrayField and PostgresGinIndex: the same answers on SQLite and PostgreSQL."""

import importlib
import inspect
import uuid
from io import StringIO

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import NotSupportedError, connection, models
from django.db.models import F, Q
from rest_framework import serializers

from core.fields import PortableArrayField
from core.indexes import PostgresGinIndex
from tests.testapp.models import TaggedItem

GIN_INDEX_NAME = "testapp_taggeditem_tags_gin"
FIRST_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")
SECOND_UUID = uuid.UUID("87654321-4321-8765-4321-876543218765")

PUNCTUATION = ['say "hi"', "it's", "a,b", "[x]", "back\\slash"]
ROWS = {
    "plain": {"tags": ["a", "b", "c"], "numbers": [1, 2, 3]},
    "dupes": {"tags": ["a", "a", "b"], "numbers": [5, 5]},
    "punctuation": {"tags": PUNCTUATION, "numbers": [10]},
    "unicode": {"tags": ["café", "日本", "🎉"], "numbers": [7, 8, 9]},
    "numeric": {"tags": ["1", "2"], "numbers": [1, 2]},
    "single": {"tags": ["b"], "numbers": [6]},
    "holes": {"tags": [None, "z"], "numbers": [None]},
    "empty": {"tags": [], "numbers": []},
    "null": {"tags": None, "numbers": []},
}
EVERY_ROW = set(ROWS)
NOT_NULL = EVERY_ROW - {"null"}

# (id, condition, names of the rows it selects); PostgreSQL's answers are the reference.
LOOKUP_CASES = [
    # contains: every given element is in the array; duplicates do not count.
    ("contains", Q(tags__contains=["a"]), {"plain", "dupes"}),
    ("contains-duplicates", Q(tags__contains=["a", "a"]), {"plain", "dupes"}),
    ("contains-any-order", Q(tags__contains=["b", "a"]), {"plain", "dupes"}),
    ("contains-empty", Q(tags__contains=[]), NOT_NULL),
    ("contains-quotes", Q(tags__contains=['say "hi"', "back\\slash"]), {"punctuation"}),
    ("contains-comma-brackets", Q(tags__contains=["a,b", "[x]", "it's"]), {"punctuation"}),
    ("contains-comma-is-one-item", Q(tags__contains=["a", "b", "a,b"]), set()),
    ("contains-unicode", Q(tags__contains=["café", "🎉"]), {"unicode"}),
    ("contains-no-accent-folding", Q(tags__contains=["cafe"]), set()),
    ("contains-number-in-text", Q(tags__contains=[1]), {"numeric"}),
    ("contains-text-in-integers", Q(numbers__contains=["1"]), {"plain", "numeric"}),
    ("contains-integers", Q(numbers__contains=[5, 5]), {"dupes"}),
    ("contains-null-item-never", Q(tags__contains=[None]), set()),
    ("not-contains", ~Q(tags__contains=["a"]), EVERY_ROW - {"plain", "dupes"}),
    # contained_by: every element of the array is given; an empty array always is.
    ("contained-by", Q(tags__contained_by=["a", "b", "c"]), {"plain", "dupes", "single", "empty"}),
    ("contained-by-empty", Q(tags__contained_by=[]), {"empty"}),
    ("contained-by-numbers-as-text", Q(tags__contained_by=[1, 2, 3]), {"numeric", "empty"}),
    (
        "contained-by-unicode",
        Q(tags__contained_by=["café", "日本", "🎉", "x"]),
        {"unicode", "empty"},
    ),
    (
        "contained-by-integers",
        Q(numbers__contained_by=[1, 2, 3]),
        {"plain", "numeric", "empty", "null"},
    ),
    # overlap: at least one element in common; an empty array never overlaps.
    ("overlap", Q(tags__overlap=["c", "日本"]), {"plain", "unicode"}),
    ("overlap-one", Q(tags__overlap=["b"]), {"plain", "dupes", "single"}),
    ("overlap-empty", Q(tags__overlap=[]), set()),
    ("overlap-comma", Q(tags__overlap=["a,b"]), {"punctuation"}),
    ("overlap-integers", Q(numbers__overlap=[2, 9]), {"plain", "unicode", "numeric"}),
    ("not-overlap", ~Q(tags__overlap=["b"]), EVERY_ROW - {"plain", "dupes", "single"}),
    # exact: same length, same element at each position.
    ("exact", Q(tags=["a", "b", "c"]), {"plain"}),
    ("exact-order-matters", Q(tags=["c", "b", "a"]), set()),
    ("exact-prefix", Q(tags=["a", "b"]), set()),
    ("exact-duplicates", Q(tags=["a", "a", "b"]), {"dupes"}),
    ("exact-empty", Q(tags=[]), {"empty"}),
    ("exact-numbers-as-text", Q(tags=[1, 2]), {"numeric"}),
    ("exact-punctuation", Q(tags=PUNCTUATION), {"punctuation"}),
    ("exact-none-is-isnull", Q(tags=None), {"null"}),
    ("exact-integers", Q(numbers=[1, 2]), {"numeric"}),
    ("exact-null-items-are-equal", Q(tags=[None, "z"]), {"holes"}),
    ("not-exact", ~Q(tags=["b"]), EVERY_ROW - {"single"}),
    # in: any of the given arrays.
    ("in", Q(tags__in=[["a", "b", "c"], []]), {"plain", "empty"}),
    ("in-numbers-as-text", Q(tags__in=[[1, 2], ["b"]]), {"numeric", "single"}),
    ("in-integers", Q(numbers__in=[[5, 5], [6]]), {"dupes", "single"}),
    ("in-nothing", Q(tags__in=[]), set()),
    ("in-subquery", Q(tags__in=TaggedItem.objects.filter(name="dupes").values("tags")), {"dupes"}),
    # len: NULL for a NULL array, 0 for an empty one.
    ("len-zero", Q(tags__len=0), {"empty"}),
    ("len", Q(tags__len=3), {"plain", "dupes", "unicode"}),
    ("len-gte", Q(tags__len__gte=3), {"plain", "dupes", "punctuation", "unicode"}),
    ("len-lt", Q(tags__len__lt=2), {"single", "empty"}),
    ("len-isnull", Q(tags__len__isnull=True), {"null"}),
    ("len-integers", Q(numbers__len=2), {"dupes", "numeric"}),
    # index: 0-based in the query; out of range is NULL.
    ("index", Q(tags__0="a"), {"plain", "dupes"}),
    ("index-second", Q(tags__1="a"), {"dupes"}),
    ("index-backslash", Q(tags__4="back\\slash"), {"punctuation"}),
    ("index-null-or-out-of-range", Q(tags__0__isnull=True), {"holes", "empty", "null"}),
    ("index-second-out-of-range", Q(tags__1__isnull=True), {"single", "empty", "null"}),
    ("index-negative", Q(**{"tags__-1__isnull": True}), EVERY_ROW),
    ("index-number-as-text", Q(tags__0=1), {"numeric"}),
    ("index-in", Q(tags__2__in=["c", "🎉"]), {"plain", "unicode"}),
    ("index-gt", Q(numbers__0__gt=5), {"punctuation", "unicode", "single"}),
    ("index-integers", Q(numbers__1=5), {"dupes"}),
    ("not-index", ~Q(tags__0="a"), {"punctuation", "unicode", "numeric", "single", "null"}),
    # slice: start included, end excluded; a slice of NULL is NULL.
    ("slice", Q(tags__0_2=["a", "b"]), {"plain"}),
    ("slice-duplicates", Q(tags__0_2=["a", "a"]), {"dupes"}),
    ("slice-short-array", Q(tags__0_2=["b"]), {"single"}),
    ("slice-of-empty", Q(tags__0_2=[]), {"empty"}),
    ("slice-punctuation", Q(tags__2_5=["a,b", "[x]", "back\\slash"]), {"punctuation"}),
    ("slice-contains", Q(tags__1_3__contains=["b"]), {"plain", "dupes"}),
    ("slice-len", Q(tags__0_2__len=1), {"single"}),
    ("slice-isnull", Q(tags__0_2__isnull=True), {"null"}),
    ("slice-null-item", Q(tags__0_1=[None]), {"holes"}),
    ("slice-out-of-range", Q(tags__5_9=[]), NOT_NULL),
    ("slice-integers", Q(numbers__1_2=[5]), {"dupes"}),
    # isnull
    ("isnull", Q(tags__isnull=True), {"null"}),
    ("not-isnull", Q(tags__isnull=False), NOT_NULL),
    # an array expression on the right-hand side
    ("contains-column", Q(tags__contains=F("tags")), NOT_NULL - {"holes"}),
    ("exact-column", Q(tags=F("tags")), NOT_NULL),
    ("overlap-column", Q(tags__overlap=F("tags")), NOT_NULL - {"empty"}),
    ("contained-by-slice", Q(tags__contained_by=F("tags__0_2")), {"numeric", "single", "empty"}),
    ("contained-by-column", Q(tags__contained_by=F("tags")), NOT_NULL - {"holes"}),
]


@pytest.fixture
def rows() -> None:
    TaggedItem.objects.bulk_create(TaggedItem(name=name, **values) for name, values in ROWS.items())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param(condition, expected, id=case_id)
        for case_id, condition, expected in LOOKUP_CASES
    ],
)
def test_lookup_selects_the_same_rows_on_every_database(
    rows: None, condition: Q, expected: set[str]
) -> None:
    names = TaggedItem.objects.filter(condition).values_list("name", flat=True)

    assert set(names) == expected


@pytest.mark.django_db
def test_values_read_back_as_base_field_types() -> None:
    TaggedItem.objects.create(
        name="typed", tags=["日本", "a,b"], numbers=[3, 1, 2], uuids=[FIRST_UUID, str(SECOND_UUID)]
    )

    item = TaggedItem.objects.get(name="typed")
    values = TaggedItem.objects.values_list(
        "tags",
        "numbers",
        "uuids",
        "tags__0",
        "numbers__1",
        "uuids__1",
        "numbers__0_2",
        "uuids__1_2",
        "tags__len",
    ).get()

    assert (item.tags, item.numbers, item.uuids) == (
        ["日本", "a,b"],
        [3, 1, 2],
        [FIRST_UUID, SECOND_UUID],
    )
    assert values == (
        ["日本", "a,b"],
        [3, 1, 2],
        [FIRST_UUID, SECOND_UUID],
        "日本",
        1,
        SECOND_UUID,
        [3, 1],
        [SECOND_UUID],
        2,
    )


@pytest.mark.django_db
def test_null_and_empty_arrays_read_back_as_none_and_empty_list() -> None:
    TaggedItem.objects.create(name="null", tags=None)
    TaggedItem.objects.create(name="empty", tags=[])

    values = TaggedItem.objects.order_by("name").values_list("name", "tags", "tags__0_2", "tags__0")

    assert list(values) == [("empty", [], [], None), ("null", None, None, None)]


@pytest.mark.django_db
def test_slicing_an_array_expression_in_an_annotation() -> None:
    TaggedItem.objects.create(name="sliced", tags=["a", "b", "c"])

    values = TaggedItem.objects.annotate(
        first_two=F("tags")[:2], rest=F("tags")[1:], first=F("tags")[0]
    ).values_list("first_two", "rest", "first")

    assert values.get() == (["a", "b"], ["b", "c"], ["a"])


@pytest.mark.django_db
def test_uuid_arrays_filter_by_uuid_objects_and_strings() -> None:
    TaggedItem.objects.create(name="first", uuids=[FIRST_UUID])
    TaggedItem.objects.create(name="both", uuids=[FIRST_UUID, SECOND_UUID])

    def names(**lookup: object) -> set[str]:
        return set(TaggedItem.objects.filter(**lookup).values_list("name", flat=True))

    assert names(uuids__contains=[SECOND_UUID]) == {"both"}
    assert names(uuids__contains=[str(FIRST_UUID)]) == {"first", "both"}
    assert names(uuids__contained_by=[FIRST_UUID]) == {"first"}
    assert names(uuids__overlap=[SECOND_UUID.hex]) == {"both"}
    assert names(uuids=[FIRST_UUID, SECOND_UUID]) == {"both"}
    assert names(uuids__in=[[FIRST_UUID], []]) == {"first"}
    assert names(uuids__1=SECOND_UUID) == {"both"}
    assert names(uuids__0_1=[FIRST_UUID]) == {"first", "both"}


@pytest.mark.django_db
def test_update_and_bulk_update_store_arrays() -> None:
    first = TaggedItem.objects.create(name="first", tags=["a"])
    second = TaggedItem.objects.create(name="second", tags=["b"])

    TaggedItem.objects.filter(pk=first.pk).update(tags=["x", "y"], numbers=[4])
    second.tags, second.uuids = [], [FIRST_UUID]
    TaggedItem.objects.bulk_update([second], ["tags", "uuids"])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.tags, first.numbers) == (["x", "y"], [4])
    assert (second.tags, second.uuids) == ([], [FIRST_UUID])


@pytest.mark.django_db
def test_a_list_containing_an_expression_is_refused_on_sqlite_only() -> None:
    TaggedItem.objects.create(name="a", tags=["a"])
    queryset = TaggedItem.objects.filter(tags__contains=[F("name")])

    if connection.vendor == "postgresql":
        assert list(queryset.values_list("name", flat=True)) == ["a"]
    else:
        with pytest.raises(NotSupportedError, match="not a list containing expressions"):
            list(queryset)


def test_full_clean_enforces_size_and_item_validation() -> None:
    item = TaggedItem(name="limits", tags=["x" * 51], numbers=[1, 2, 3, 4, 5, 6])

    with pytest.raises(ValidationError) as caught:
        item.full_clean(validate_unique=False)

    assert caught.value.message_dict == {
        "tags": [
            "Item 1 in the array did not validate: "
            "Ensure this value has at most 50 characters (it has 51)."
        ],
        "numbers": ["List contains 6 items, it should contain no more than 5."],
    }


def test_full_clean_accepts_empty_and_null_arrays() -> None:
    TaggedItem(name="blank", tags=None, numbers=[], uuids=[]).full_clean(validate_unique=False)
    TaggedItem(name="full", tags=[], numbers=[1, 2, 3, 4, 5]).full_clean(validate_unique=False)


@pytest.mark.django_db
def test_admin_form_edits_arrays_as_comma_separated_text(rf) -> None:
    form_class = admin.ModelAdmin(TaggedItem, admin.AdminSite()).get_form(rf.get("/"))
    form = form_class(
        data={"name": "admin", "tags": "a,café", "numbers": "3,1", "uuids": str(FIRST_UUID)}
    )

    item = form.save()

    item.refresh_from_db()
    assert (item.tags, item.numbers, item.uuids) == (["a", "café"], [3, 1], [FIRST_UUID])
    edit_form = form_class(instance=item)
    assert [edit_form[name].value() for name in ("tags", "numbers", "uuids")] == [
        "a,café",
        "3,1",
        str(FIRST_UUID),
    ]


@pytest.mark.django_db
def test_admin_form_reports_invalid_items_and_size(rf) -> None:
    form_class = admin.ModelAdmin(TaggedItem, admin.AdminSite()).get_form(rf.get("/"))

    bad_item = form_class(data={"name": "bad", "numbers": "1,x"})
    too_many = form_class(data={"name": "many", "numbers": "1,2,3,4,5,6"})

    assert bad_item.errors == {
        "numbers": ["Item 2 in the array did not validate: Enter a whole number."]
    }
    assert too_many.errors == {
        "numbers": ["List contains 6 items, it should contain no more than 5."]
    }


class TaggedItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaggedItem
        fields = ["name", "tags", "numbers", "uuids"]


def test_model_serializer_maps_arrays_to_list_fields() -> None:
    fields = TaggedItemSerializer().fields

    assert [type(fields[name]) for name in ("tags", "numbers", "uuids")] == [
        serializers.ListField
    ] * 3
    assert isinstance(fields["tags"].child, serializers.CharField)
    assert fields["tags"].child.max_length == 50
    assert fields["tags"].allow_null is True
    assert isinstance(fields["numbers"].child, serializers.IntegerField)
    assert isinstance(fields["uuids"].child, serializers.UUIDField)


@pytest.mark.django_db
def test_model_serializer_validates_and_saves_arrays() -> None:
    too_many = TaggedItemSerializer(data={"name": "many", "numbers": [1, 2, 3, 4, 5, 6]})
    too_long = TaggedItemSerializer(data={"name": "long", "tags": ["x" * 51]})
    valid = TaggedItemSerializer(
        data={"name": "ok", "tags": ["日本"], "numbers": ["7"], "uuids": [str(FIRST_UUID)]}
    )

    assert too_many.is_valid() is False
    assert too_many.errors == {
        "numbers": ["List contains 6 items, it should contain no more than 5."]
    }
    assert too_long.is_valid() is False
    assert too_long.errors == {"tags": {0: ["Ensure this field has no more than 50 characters."]}}
    assert valid.is_valid() is True
    item = valid.save()
    item.refresh_from_db()
    assert (item.tags, item.numbers, item.uuids) == (["日本"], [7], [FIRST_UUID])
    assert TaggedItemSerializer(item).data == {
        "name": "ok",
        "tags": ["日本"],
        "numbers": [7],
        "uuids": [str(FIRST_UUID)],
    }


@pytest.mark.django_db
def test_gin_index_exists_on_postgresql_only() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TaggedItem._meta.db_table)

    if connection.vendor == "postgresql":
        assert constraints[GIN_INDEX_NAME]["type"] == "gin"
        assert constraints[GIN_INDEX_NAME]["columns"] == ["tags"]
    else:
        assert GIN_INDEX_NAME not in constraints


@pytest.mark.django_db(transaction=True)
def test_gin_index_sql_is_a_comment_off_postgresql() -> None:
    index = next(index for index in TaggedItem._meta.indexes if index.name == GIN_INDEX_NAME)

    # SQLite's schema editor cannot be entered inside a transaction, hence transaction=True.
    with connection.schema_editor(collect_sql=True) as schema_editor:
        create_sql = str(index.create_sql(TaggedItem, schema_editor))
        remove_sql = str(index.remove_sql(TaggedItem, schema_editor))

    assert isinstance(index, PostgresGinIndex)
    if connection.vendor == "postgresql":
        assert create_sql == (
            f'CREATE INDEX "{GIN_INDEX_NAME}" ON "testapp_taggeditem" USING gin ("tags")'
        )
        assert remove_sql == f'DROP INDEX IF EXISTS "{GIN_INDEX_NAME}"'
    else:
        skipped = f"-- GIN index {GIN_INDEX_NAME} skipped: PostgreSQL only"
        assert (create_sql, remove_sql) == (skipped, skipped)


@pytest.mark.django_db(transaction=True)
def test_migration_runs_backwards_and_forwards_on_every_database() -> None:
    output = StringIO()

    call_command("sqlmigrate", "testapp", "0002", stdout=output)
    call_command("migrate", "testapp", "0001", verbosity=0)
    call_command("migrate", "testapp", "0002", verbosity=0)
    TaggedItem.objects.create(name="after", tags=["a"])

    assert TaggedItem.objects.filter(tags__contains=["a"]).count() == 1
    if connection.vendor == "postgresql":
        assert (
            f'CREATE INDEX "{GIN_INDEX_NAME}" ON "testapp_taggeditem" USING gin'
            in output.getvalue()
        )
    else:
        assert f"-- GIN index {GIN_INDEX_NAME} skipped: PostgreSQL only;" in output.getvalue()


def test_migration_refers_to_the_portable_field_and_index() -> None:
    module = importlib.import_module("tests.testapp.migrations.0002_taggeditem")
    create_model = module.Migration.operations[0]
    fields = dict(create_model.fields)

    paths = {name: fields[name].deconstruct()[1] for name in ("tags", "numbers", "uuids")}

    assert paths == dict.fromkeys(("tags", "numbers", "uuids"), "core.fields.PortableArrayField")
    assert create_model.options["indexes"][0].deconstruct()[0] == "core.indexes.PostgresGinIndex"
    assert "django.contrib.postgres" not in inspect.getsource(module)


def test_nested_arrays_are_refused_by_the_system_check() -> None:
    field = PortableArrayField(PortableArrayField(models.IntegerField()))
    field.set_attributes_from_name("grid")

    errors = field.check()

    assert [error.id for error in errors] == ["core.E001"]
