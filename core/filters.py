"""The base of the apps' query-string filter sets, and how the schema describes them:
each text filter's limits (its length and pattern) read from the filter itself, and
an empty value allowed everywhere, so a client (or the schema fuzzer) knows what the
server will refuse."""

import django_filters
from django.core.validators import RegexValidator
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.drainage import has_override
from drf_spectacular.utils import extend_schema_field

from core.serializers import NULL_CHARACTERS_NOT_ALLOWED


class FilterParametersExtension(DjangoFilterExtension):
    """django-filter reads an empty value (`?unread=`) as no filter at all, as an HTML
    form's empty field: OpenAPI's `allowEmptyValue` says so."""

    priority = 1  # before drf-spectacular's own extension

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        for parameter in parameters:
            parameter["allowEmptyValue"] = True
        return parameters


def _text_filter_schema(text_filter: django_filters.CharFilter) -> dict:
    extra = text_filter.extra
    schema = {"type": "string"}
    if extra.get("max_length"):
        schema["maxLength"] = extra["max_length"]
    patterns = [
        validator.regex.pattern
        for validator in extra.get("validators", [])
        if isinstance(validator, RegexValidator) and not validator.inverse_match
    ]
    if patterns:
        # An empty value is no filter at all (django-filter skips it).
        pattern = patterns[0].removeprefix("^").removesuffix(r"\Z").removesuffix("$")
        schema["pattern"] = f"^({pattern})?$"
    if extra.get("help_text"):
        schema["description"] = str(extra["help_text"])
    return schema


class FilterSet(django_filters.FilterSet):
    @classmethod
    def get_filters(cls) -> dict:
        filters = super().get_filters()
        for text_filter in filters.values():
            if type(text_filter) is django_filters.CharFilter and not has_override(
                text_filter, "field"
            ):
                extend_schema_field(_text_filter_schema(text_filter))(text_filter)
            if isinstance(text_filter, django_filters.ModelChoiceFilter):
                # Django refuses a NUL character before looking the value up (its
                # `ProhibitNullCharactersValidator`): naming the code among the field's
                # messages is how the schema's error codes learn of it.
                messages = text_filter.extra.setdefault("error_messages", {})
                messages.setdefault("null_characters_not_allowed", NULL_CHARACTERS_NOT_ALLOWED)
        return filters
