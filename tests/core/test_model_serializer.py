"""`core.serializers.ModelSerializer`: fields built once per class, plain columns read
directly; what it shows is exactly what DRF's own `ModelSerializer` shows."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as django_timezone
from rest_framework import serializers

from core.serializers import ModelSerializer, _conversion, _plan
from tests.videos.factories import VideoFactory
from videos.models import Category, Video

pytestmark = pytest.mark.django_db

FIELDS = [
    "id",
    "title",
    "status",
    "tags",
    "duration_seconds",
    "published_at",
    "created_at",
    "owner",
    "category",
    "owner_name",
    "shown_title",
    "label",
    "missing",
    "missing_or_null",
]


class _Declared(serializers.Serializer):
    """The same declared fields on both serializers: a dotted source, a method, a
    property-like callable source, defaults for what the object lacks."""

    owner_name = serializers.CharField(source="owner.username")
    shown_title = serializers.SerializerMethodField()
    label = serializers.CharField(source="__str__")
    missing = serializers.CharField(default="absent")
    missing_or_null = serializers.CharField(allow_null=True)

    def get_shown_title(self, video: Video) -> str:
        return f"<{video.title}>"


class Ours(_Declared, ModelSerializer):
    class Meta:
        model = Video
        fields = FIELDS


class Drfs(_Declared, serializers.ModelSerializer):
    class Meta:
        model = Video
        fields = FIELDS


def test_it_shows_what_drf_shows():
    category = Category.objects.create(slug="serializer-test", name="Serializer test")
    videos = [
        VideoFactory(tags=["a", "b"], category=category),
        VideoFactory(published_at=None, duration_seconds=None, category=None),
    ]
    ours = Ours(videos, many=True).data
    assert ours == Drfs(videos, many=True).data
    assert ours[1]["published_at"] is None
    assert ours[1]["category"] is None
    assert ours[0]["category"] == category.pk
    assert ours[0]["missing"] == "absent"
    assert ours[0]["missing_or_null"] is None
    assert ours[0]["label"] == str(videos[0])


def test_plain_columns_are_read_directly_and_the_rest_drfs_way():
    serializer = Ours(VideoFactory())
    columns = {name: column for name, column, *_ in _plan(serializer, Video)}
    plain = {name for name, column in columns.items() if isinstance(column, str)}
    assert plain == set(FIELDS[: FIELDS.index("owner")])
    # The related fields, the dotted and callable sources and the attributes the model
    # lacks go DRF's way; the method field reads the whole object.
    assert [name for name, column in columns.items() if column is None] == [
        "owner",
        "category",
        "owner_name",
        "label",
        "missing",
        "missing_or_null",
    ]


class _Nested(ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class _WithCompoundFields(ModelSerializer):
    """Fields that hold fields bound to themselves (a list's child, a nested
    serializer, a list of them) and plain ones, declared and built from the model."""

    words = serializers.ListField(child=serializers.CharField(max_length=5), required=False)
    category = _Nested(read_only=True)
    categories = _Nested(many=True, read_only=True, source="category_list")

    class Meta:
        model = Video
        fields = ["id", "title", "words", "category", "categories"]


def test_each_use_gets_fields_of_its_own_bound_to_it():
    """Each use copies the fields built once for the class (`_field_copy`): a plain
    field shallowly, one holding fields bound to itself made again. Binding or changing
    one use's fields leaves another's, and the built ones, alone."""
    first, second = _WithCompoundFields(), _WithCompoundFields()
    for name in ("id", "title", "words", "category", "categories"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    assert first.fields["words"].child is not second.fields["words"].child
    assert first.fields["words"].child.parent is first.fields["words"]
    assert first.fields["categories"].child.parent is first.fields["categories"]
    validators = len(second.fields["title"].validators)
    first.fields["title"].required = False
    first.fields["title"].validators.append(lambda value: None)
    assert second.fields["title"].required is True
    assert len(second.fields["title"].validators) == validators
    assert len(_WithCompoundFields().fields["title"].validators) == validators
    assert _WithCompoundFields(data={"title": "x", "words": ["toolongword"]}).is_valid() is False
    assert _WithCompoundFields(data={"title": "x", "words": ["ok"]}).is_valid() is True


class _Shade(serializers.ChoiceField):
    def to_representation(self, value):
        return f"shade {value}"


_ZONE = timezone(timedelta(hours=-3))
_MOMENTS = [
    datetime(2026, 12, 7, 10, 30, 5, 123456, tzinfo=UTC),
    datetime(2026, 12, 7, 10, 30, tzinfo=_ZONE),
    datetime(2026, 12, 7, 10, 30),  # naive: made aware in the current zone
    "2026-12-07T10:30:00Z",  # a string is shown as it is
]


@pytest.mark.parametrize(
    ("make", "values"),
    [
        (lambda: serializers.CharField(), ["text", "", Video.Status.READY, 7]),
        (lambda: serializers.URLField(), ["https://example.com/a", Video.Visibility.PUBLIC]),
        (lambda: serializers.IntegerField(), [0, 12, True, "5"]),
        (lambda: serializers.BooleanField(), [True, False, 1, 0, "true", "no"]),
        (lambda: serializers.UUIDField(), [uuid.UUID(int=5)]),
        (lambda: serializers.UUIDField(format="hex"), [uuid.UUID(int=5)]),
        (
            lambda: serializers.ChoiceField(choices=Video.Status.choices),
            ["ready", "unknown", "", Video.Status.FAILED],
        ),
        (lambda: _Shade(choices=["light"]), ["light"]),
        (lambda: serializers.DateTimeField(), _MOMENTS),
        (lambda: serializers.DateTimeField(default_timezone=_ZONE), _MOMENTS),
        (lambda: serializers.DateTimeField(format="%d/%m/%Y %H:%M"), _MOMENTS[:3]),
        (lambda: serializers.DateTimeField(format=None), _MOMENTS),
    ],
    ids=lambda value: type(value()).__name__ if callable(value) else "",
)
@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo"])
def test_each_conversion_gives_what_the_fields_own_gives(make, values, zone):
    """`_conversion` skips DRF's generic steps for the values columns hold; for every
    value, in any current time zone, it gives what `to_representation` gives, with
    the same type (a text choice shows as plain text, a naive time becomes aware)."""
    with django_timezone.override(zone):
        field = make()
        field.bind("value", serializers.Serializer())
        convert = _conversion(field)
        for value in values:
            expected = field.to_representation(value)
            shown = convert(value)
            assert (shown, type(shown)) == (expected, type(expected)), value


def test_a_method_field_calls_its_bound_method():
    serializer = Ours(VideoFactory(title="Bound"))
    [convert] = [
        convert for name, _, _, convert in _plan(serializer, Video) if name == "shown_title"
    ]
    assert convert(serializer.instance) == "<Bound>"


class _Contextual(serializers.Serializer):
    """Fields whose representation depends on the use: a method reading the context,
    a nested serializer, a time (the current zone), a dotted source."""

    greeting = serializers.SerializerMethodField()
    category = _Nested(read_only=True)
    owner_name = serializers.CharField(source="owner.username")

    def get_greeting(self, video: Video) -> str:
        return f"{self.context['greeting']} {video.title}"


class OursInContext(_Contextual, ModelSerializer):
    class Meta:
        model = Video
        fields = ["id", "title", "status", "published_at", "greeting", "category", "owner_name"]


class DrfsInContext(_Contextual, serializers.ModelSerializer):
    class Meta:
        model = Video
        fields = OursInContext.Meta.fields


def test_later_uses_share_the_plan_and_bind_only_the_fields_that_need_them():
    """The first use's plan is kept for the class (per model and time zone); a later
    use builds none of its plain fields, binds the nested one to itself, calls its own
    method (its context), and shows what DRF shows."""
    category = Category.objects.create(slug="shared-plan", name="Shared plan")
    videos = [VideoFactory(title="First", category=category), VideoFactory(title="Second")]
    for greeting in ("Hello", "Goodbye"):
        context = {"greeting": greeting}
        ours = OursInContext(videos, many=True, context=context)
        shown = ours.data
        assert shown == DrfsInContext(videos, many=True, context=context).data
        assert shown[0]["greeting"] == f"{greeting} First"
        assert shown[0]["category"] == {"id": category.pk, "name": "Shared plan"}
        assert shown[1]["category"] is None
    # The last use never built its fields: it bound the nested one only.
    child = ours.child
    assert "fields" not in vars(child)
    [(_, _, nested, _)] = [
        entry for entry in child._representation_plan[1] if entry[0] == "category"
    ]
    assert nested.parent is child
    assert (Video, django_timezone.get_current_timezone()) in OursInContext._shared_plans


def test_a_shared_plan_is_per_time_zone():
    video = VideoFactory(published_at=datetime(2026, 12, 7, 10, 30, tzinfo=UTC))
    for zone, shown in (
        ("UTC", "2026-12-07T10:30:00Z"),
        ("America/Sao_Paulo", "2026-12-07T07:30:00-03:00"),
        ("UTC", "2026-12-07T10:30:00Z"),
    ):
        with django_timezone.override(zone):
            context = {"greeting": "Hi"}
            ours = OursInContext(video, context=context).data
            assert ours == DrfsInContext(video, context=context).data
            assert ours["published_at"] == shown


class _PerUseFields(ModelSerializer):
    """Its fields depend on the use: it keeps no shared plan."""

    class Meta:
        model = Video
        fields = ["id", "title", "status"]

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("brief"):
            del fields["status"]
        return fields


def test_a_serializer_that_makes_its_own_fields_uses_them_each_time():
    video = VideoFactory()
    assert set(_PerUseFields(video).data) == {"id", "title", "status"}
    assert set(_PerUseFields(video, context={"brief": True}).data) == {"id", "title"}
    assert set(_PerUseFields(video).data) == {"id", "title", "status"}
    assert "_shared_plans" not in vars(_PerUseFields)


def test_a_field_changed_on_one_use_is_shown_as_changed():
    video = VideoFactory(title="Changed")
    assert OursInContext(video, context={"greeting": "Hi"}).data["title"] == "Changed"
    changed = OursInContext(video, context={"greeting": "Hi"})
    changed.fields.pop("title")
    assert "title" not in changed.data
    assert OursInContext(video, context={"greeting": "Hi"}).data["title"] == "Changed"
