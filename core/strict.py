"""Serializer fields that take from JSON only what the schema says: DRF's
`BooleanField` also takes 0, 1, "yes" and "on", which the schema (`type: boolean`)
refuses, so a generated client and the server would disagree. Form data (multipart
uploads) still sends text, read as DRF reads it."""

from django.http import QueryDict
from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false` in JSON; DRF's spellings in form data."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(getattr(self.root, "initial_data", None), QueryDict):
            return super().to_internal_value(data)
        self.fail("invalid", input=data)
