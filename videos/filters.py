"""Query-string filters of the video list (`GET /api/v1/videos/`).

Every bad value answers 400 with a stable code, with the parameter in `attr`:
`invalid_tag` and `max_length` (`tag`), `invalid_choice` (`tag_match`, `category`,
`ordering`), `invalid` (`language`), `max_length` (`owner`, `language`, `search`) and
`null_characters_not_allowed` (any text).
"""

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import FilterSet
from videos.models import TAG_MAX_LENGTH, TAGS_MAX_COUNT, Category, Video
from videos.selectors import video_queryset_search
from videos.serializers import LANGUAGE_PATTERN
from videos.tags import InvalidTag, tag_normalize

VIDEO_ORDERINGS = ("-published_at", "-view_count", "-like_count")
VIDEO_ORDERING_DEFAULT = "-published_at"
SEARCH_MAX_LENGTH = 200


def video_list_ordering(value: str | None) -> tuple[str, ...]:
    """The pagination ordering for an `ordering` parameter (the default when absent).

    `VideoFilter` has already answered 400 for any other value when this is asked."""
    return (value,) if value in VIDEO_ORDERINGS else (VIDEO_ORDERING_DEFAULT,)


class TagListFormField(forms.Field):
    """Every `tag` of the query string (`?tag=a&tag=b`, or `?tag=a,b` as uploads take
    them), normalised, duplicates dropped; blanks are ignored."""

    widget = forms.SelectMultiple  # reads every value of a repeated parameter
    default_error_messages = {
        "invalid_tag": "%(value)r is not a valid tag: use 1 to "
        f"{TAG_MAX_LENGTH} letters, digits, hyphens or underscores.",
        "max_length": f"Give at most {TAGS_MAX_COUNT} tags.",
    }

    def to_python(self, value) -> list[str]:
        values = [value] if isinstance(value, str) else list(value or [])
        tags = []
        for raw in (part for item in values for part in item.split(",")):
            if not raw.strip():
                continue
            try:
                tags.append(tag_normalize(raw))
            except InvalidTag as error:
                raise forms.ValidationError(
                    self.error_messages["invalid_tag"], code="invalid_tag", params={"value": raw}
                ) from error
        tags = list(dict.fromkeys(tags))
        if len(tags) > TAGS_MAX_COUNT:
            raise forms.ValidationError(self.error_messages["max_length"], code="max_length")
        return tags


@extend_schema_field(OpenApiTypes.STR)
class TagFilter(django_filters.MultipleChoiceFilter):
    """A repeatable `tag` parameter (documented as an exploded array of strings)."""

    field_class = TagListFormField


class VideoFilter(FilterSet):
    tag = TagFilter(
        method="filter_tags",
        help_text="Videos with these tags (repeat the parameter, `?tag=a&tag=b`, or "
        "separate them with commas); "
        "written as on upload (`#Cats` is `cats`). See `tag_match`.",
    )
    tag_match = django_filters.ChoiceFilter(
        choices=[("all", "all"), ("any", "any")],
        method="filter_nothing",
        help_text="`all` (the default): videos with every `tag`; `any`: with at least one.",
    )
    category = django_filters.ModelChoiceFilter(
        field_name="category",
        to_field_name="slug",
        queryset=Category.objects.all(),
        help_text="A category's slug; an unknown slug answers 400 `invalid_choice`.",
    )
    owner = django_filters.CharFilter(
        field_name="owner__username",
        lookup_expr="iexact",
        max_length=150,
        help_text="The owner's username, whatever its case; an unknown one gives an empty list.",
    )
    language = django_filters.CharFilter(
        field_name="language",
        lookup_expr="iexact",
        max_length=16,
        validators=[
            RegexValidator(
                LANGUAGE_PATTERN,
                message="Use a BCP 47 language tag such as en or pt-BR.",
                code="invalid",
            )
        ],
        help_text="A BCP 47 language tag such as `en` or `pt-BR` (the region in any case).",
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Words that must all be found in the title, description or tags, "
        "whatever their case: on PostgreSQL each word starts a word there (`cat` finds "
        "`cats`); elsewhere it appears anywhere in them. Results keep `ordering`.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(value, value) for value in VIDEO_ORDERINGS],
        method="filter_nothing",
        help_text="Newest first (`-published_at`, the default), most viewed first "
        "(`-view_count`) or most liked first (`-like_count`).",
    )

    class Meta:
        model = Video
        fields = []

    def filter_tags(self, queryset: QuerySet[Video], name: str, value: list[str]):
        if not value:
            return queryset
        if self.form.cleaned_data.get("tag_match") == "any":
            return queryset.filter(tags__overlap=value)
        return queryset.filter(tags__contains=value)

    def filter_search(self, queryset: QuerySet[Video], name: str, value: str):
        return video_queryset_search(queryset, text=value)

    def filter_nothing(self, queryset: QuerySet[Video], name: str, value: str):
        """`tag_match` shapes the `tag` filter; `ordering` is the paginator's business."""
        return queryset
