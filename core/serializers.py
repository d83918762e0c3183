"""Serializer helpers every app shares: form input read as clients mean it, and
JSON booleans and strings held to what the schema says."""

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.fields import empty


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
