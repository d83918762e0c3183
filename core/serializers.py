"""Serializer helpers every app shares."""

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
