"""Videos app: serializer fields other apps' serializers use too (live streams' tags)."""

from rest_framework import serializers

from videos.models import TAG_MAX_LENGTH, TAGS_MAX_COUNT
from videos.tags import InvalidTag, tags_normalize


class TagListField(serializers.ListField):
    """Tags as a JSON list, or in a form as repeated fields or one comma-separated field."""

    child = serializers.CharField(max_length=TAG_MAX_LENGTH + 1, allow_blank=False)
    # A declared message, so the schema lists `invalid_tag` wherever the field is used.
    default_error_messages = {
        "invalid_tag": "{value!r} is not a valid tag: use 1 to "
        f"{TAG_MAX_LENGTH} letters, digits, hyphens or underscores.",
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=TAGS_MAX_COUNT, **kwargs)

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if (
            isinstance(value, list)
            and len(value) == 1
            and isinstance(value[0], str)
            and "," in value[0]
        ):
            return [part for part in value[0].split(",") if part.strip()]
        return value

    def to_internal_value(self, data):
        # A JSON string is not a list (`not_a_list`), as the schema says; the one
        # comma-separated string is a form's way, read by `get_value`.
        tags = super().to_internal_value(data)
        try:
            return tags_normalize(tags)
        except InvalidTag as error:
            self.fail("invalid_tag", value=error.args[0])
