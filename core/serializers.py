"""Serializer helpers every app shares: form input read as clients mean it, and
JSON booleans and strings held to what the schema says."""

import copy
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_email
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.fields import Field, SkipField, empty
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

# DRF's (and Django's) sentence for a NUL character in text, for the fields and filters
# that refuse one themselves.
NULL_CHARACTERS_NOT_ALLOWED = "Null characters are not allowed."


class FormInputMixin:
    """For serializers that read form or multipart data: a field the form leaves out
    is absent, as it is in JSON, so the service's (the model's) default applies.

    DRF fills a missing form field with the field's `default_empty_html` (False for a
    `BooleanField`), since an unticked HTML checkbox sends nothing; API clients leave
    out what they do not mean to set. A field's own
    `default=` still applies (DRF uses it for an absent field), and `partial` updates
    skip absent fields as before.
    """

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.default_empty_html = empty
        return fields


class ModelSerializer(serializers.ModelSerializer):
    """DRF's `ModelSerializer`, with its fields built from the model once per class
    instead of on every use (reading the model's fields, their validators and the
    mapping to serializer fields took a millisecond or two of every request). Each use
    gets copies (`_field_copy`), as DRF gives each use deep copies of the declared
    fields, so what a use does to its fields (binding them, `FormInputMixin`) stays
    its own.
    Every app's model serializers derive from this one."""

    def get_fields(self):
        serializer_class = type(self)
        built = serializer_class.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            serializer_class._fields_built = built
        return {name: _field_copy(field) for name, field in built.items()}

    def to_representation(self, instance):
        """DRF's, with the plain columns read directly: a list serializes its page
        through one serializer object, and DRF's generic per-field path (the source
        walk, its callable check, its exceptions) cost more than the values' own
        conversion. Which fields are plain is worked out once per serializer object
        (its fields are bound to it), and so is each field's conversion
        (`_conversion`); every other field (relations, nested serializers, fields
        that read their value their own way) goes DRF's way."""
        if not isinstance(instance, models.Model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_representation_plan")
        if plan is None or plan[0] is not type(instance):
            plan = self._representation_plan = (type(instance), self._plan_for(type(instance)))
        representation = {}
        for name, column, field, convert in plan[1]:
            if column is _WHOLE:
                representation[name] = convert(instance)
                continue
            if column is not None:
                value = getattr(instance, column)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject):
                    value = value if value.pk is not None else None
            representation[name] = None if value is None else convert(value)
        return representation

    def _plan_for(self, model: type[models.Model]) -> list[tuple]:
        """`_plan(self, model)`, made from the plan this class shares for `model` and
        the current time zone (`_shared_plan`) where its fields are the class's own
        (`get_fields` not overridden, no field changed on this object): only the
        fields that need this object (its methods, relations, nested serializers)
        are copied and bound to it, not each of its fields (that took a feed page
        about 0.3 ms)."""
        serializer_class = type(self)
        if serializer_class.get_fields is not ModelSerializer.get_fields or "fields" in vars(self):
            return _plan(self, model)
        shared = serializer_class.__dict__.get("_shared_plans")
        if shared is None:
            shared = serializer_class._shared_plans = {}
        key = (model, timezone.get_current_timezone())
        found = shared.get(key)
        if found is None:
            found = shared[key] = _shared_plan(self, model)
        built = serializer_class.__dict__["_fields_built"]
        plan = []
        for name, column, convert, method_name in found:
            if convert is not None:
                plan.append((name, column, None, convert))
            elif method_name is not None:
                plan.append((name, column, None, getattr(self, method_name)))
            else:
                field = _field_copy(built[name])
                field.bind(field_name=name, parent=self)
                plan.append((name, column, field, _conversion(field)))
        return plan


# The representations `_conversion` gives a function for that reads nothing but the
# field's arguments (and the current time zone): a plan shares them between uses.
_SHARED_REPRESENTATIONS = frozenset(
    (
        serializers.CharField.to_representation,
        serializers.URLField.to_representation,
        serializers.IntegerField.to_representation,
        serializers.BooleanField.to_representation,
        serializers.UUIDField.to_representation,
        serializers.ChoiceField.to_representation,
        serializers.DateTimeField.to_representation,
    )
)


def _shared_plan(serializer: "ModelSerializer", model: type[models.Model]) -> list[tuple]:
    """`(name, column, convert, method_name)` for each entry of `_plan(serializer,
    model)`, for every use of `serializer`'s class in the current time zone: `convert`
    where the field is a column whose conversion reads only the field's arguments
    (made from an unbound copy of the field, so the plan holds on to no use), else
    `method_name` for a method field (bound to each use), else neither (a field each
    use copies and binds)."""
    plan = _plan(serializer, model)  # builds the class's fields, if nothing did yet
    built = type(serializer).__dict__["_fields_built"]
    shared = []
    for name, column, field, _ in plan:
        convert = method_name = None
        if column is not None and type(field).to_representation in _SHARED_REPRESENTATIONS:
            convert = _conversion(_field_copy(built[name]))
        elif column is _WHOLE and type(field) is serializers.SerializerMethodField:
            method_name = field.method_name
        shared.append((name, column, convert, method_name))
    return shared


def _field_copy(field: Field) -> Field:
    """A copy of an unbound field for one use, as `copy.deepcopy` makes it but cheaper
    (deep copies of a feed page's three serializers' fields took 1.3 ms a request): a
    plain field is copied shallowly, with a list of validators of its own (its
    arguments and choices are never changed in place, and binding sets attributes of
    the copy's own). A field that
    holds other fields bound to itself (a serializer, a list of them, a list, a dict
    or a many-relation's child) is made again from its arguments, as DRF does."""
    if (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child")
        or (hasattr(field, "child_relation"))
    ):
        return copy.deepcopy(field)
    copied = copy.copy(field)
    if "_validators" in field.__dict__:  # a list a use may add to
        copied._validators = list(field._validators)
    return copied


_WHOLE = object()  # a field whose source is the whole object (`source="*"`)


def _plan(serializer: serializers.Serializer, model: type[models.Model]) -> list[tuple]:
    """`(name, column, field, convert)` for each readable field of `serializer`:
    `column` is the attribute to read directly when the field is a plain column of
    `model` read the ordinary way, `_WHOLE` when it shows the whole object, else None
    (DRF's way); `convert` makes the value's representation (`_conversion`)."""
    columns = {field.name for field in model._meta.concrete_fields if not field.is_relation}
    plan = []
    for field in serializer._readable_fields:
        column = None
        if type(field).get_attribute is Field.get_attribute:
            if field.source_attrs == []:
                column = _WHOLE
            elif len(field.source_attrs) == 1 and field.source_attrs[0] in columns:
                column = field.source_attrs[0]
        plan.append((field.field_name, column, field, _conversion(field)))
    return plan


def _conversion(field: Field) -> Callable[[Any], Any]:
    """`field.to_representation`, or a function that gives the same for the values
    columns hold, without DRF's generic steps: text as it is, a bool as it is, a
    choice's label looked up, a date and time in the current time zone (read once:
    a plan lives for one serializer object, so one request) as ISO 8601, a method
    field's method bound once. Any other value (and any field whose class changes
    its representation) goes to `field.to_representation`."""
    represent = field.to_representation
    method = type(field).to_representation
    if method in (serializers.CharField.to_representation, serializers.URLField.to_representation):
        return lambda value: value if type(value) is str else represent(value)
    if method is serializers.IntegerField.to_representation:
        return lambda value: value if type(value) is int else represent(value)
    if method is serializers.BooleanField.to_representation:
        return lambda value: value if type(value) is bool else represent(value)
    if method is serializers.UUIDField.to_representation and field.uuid_format == "hex_verbose":
        return str
    if method is serializers.ChoiceField.to_representation:
        labels = field.choice_strings_to_values
        return lambda value: labels.get(value, value) if type(value) is str else represent(value)
    if method is serializers.SerializerMethodField.to_representation:
        return getattr(field.parent, field.method_name)
    if method is serializers.DateTimeField.to_representation:
        return _datetime_conversion(field)
    return represent


def _datetime_conversion(field: serializers.DateTimeField) -> Callable[[Any], Any]:
    """A `DateTimeField`'s representation of an aware date and time in ISO 8601 (its
    usual format), in its time zone: `to_representation`'s steps with the zone read
    once."""
    represent = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != ISO_8601 or zone is None:
        return represent

    def convert(value):
        if type(value) is not datetime or value.utcoffset() is None:
            return represent(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return represent(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` in JSON; DRF's spellings in form data.

    DRF's `BooleanField` also takes 0, 1, "yes" and "on" from JSON, which the schema
    (`type: boolean`) refuses, so a generated client and the server would disagree.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(getattr(self.root, "initial_data", None), QueryDict):
            return super().to_internal_value(data)
        self.fail("invalid", input=data)


_char_field_to_internal_value = serializers.CharField.to_internal_value


def _string_to_internal_value(self, data):
    if not isinstance(data, str):
        self.fail("invalid")
    return _char_field_to_internal_value(self, data)


def strings_only_for_text_fields() -> None:
    """Make every text field (DRF's `CharField` and its subclasses: email, slug, URL,
    regex, IP address), ours and the libraries', take only strings.

    DRF turns a JSON number into its text (`{"text": 0}` is the comment "0"), which
    the schema (`type: string`) refuses, so a generated client and the server would
    disagree. Query strings and forms carry only strings, so only JSON bodies notice.
    Installed once, by `CoreConfig.ready()`.
    """
    serializers.CharField.to_internal_value = _string_to_internal_value


# Django's `EmailValidator`, as a pattern a schema can state: its dot-atom local part and
# host name (a top-level domain of 2 to 63 letters or hyphens, or punycode), ASCII only,
# and its allow-listed `localhost`. JSON Schema's `format: email` takes more (`a@b.c`,
# quoted local parts), so without the pattern a client's valid address could be refused.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LEVEL_DOMAIN = r"(?:[A-Za-z][A-Za-z-]{0,61}[A-Za-z]|xn--[A-Za-z0-9]{1,59})"
EMAIL_PATTERN = rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@(?:(?:{_LABEL}\.)+{_TOP_LEVEL_DOMAIN}|localhost)\Z"
_email_pattern = re.compile(EMAIL_PATTERN)


@deconstructible
class EmailAddressValidator:
    """Django's rules, and the pattern (one error either way). Not an `EmailValidator`
    subclass, so drf-spectacular does not add `format: email` for it."""

    message = EmailValidator.message
    code = EmailValidator.code

    def __call__(self, value) -> None:
        if not _email_pattern.match(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})
        validate_email(value)

    def __eq__(self, other) -> bool:
        return isinstance(other, EmailAddressValidator)


# The pattern alone says what is taken: JSON Schema's `format: email` differs from Django
# both ways (it also refuses local parts over 64 characters, and ill-formed punycode).
@extend_schema_field({"type": "string", "pattern": EMAIL_PATTERN.removesuffix(r"\Z") + "$"})
class EmailAddressField(serializers.EmailField):
    """An email address a person types in (registration, password reset), held to the
    pattern the schema states: no quoted local parts, IP literals or internationalized
    domains."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.validators = [
            EmailAddressValidator() if isinstance(validator, EmailValidator) else validator
            for validator in self.validators
        ]


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing a NUL character before it reaches the query (PostgreSQL refuses
    it in text, and the lookup would fail as a server error), as text fields do."""

    default_error_messages = {"null_characters_not_allowed": NULL_CHARACTERS_NOT_ALLOWED}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters_not_allowed")
        return super().to_internal_value(data)
