"""What the API's documentation says the same way everywhere: the rule of repeated
create-like actions, and what the kernel refuses in any request (for core.openapi).

The codes every signed-in endpoint and every paginated list may answer are declared
by the authenticator and the paginator (`raises`); core.openapi writes them into each
operation.
"""

from django.conf import settings
from rest_framework.exceptions import ParseError

from core.exceptions import RequestTooLarge, TooManyFields, TooManyFiles

# Create-like actions (follow, like, bookmark, block) are idempotent across the API.
REPEATED_ACTION = (
    "Idempotent: the first time answers 201 when it creates something; repeating it "
    "answers 200 with the current state and changes nothing."
)


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def request_refusals(media_type: str | None) -> dict[int, list[str]]:
    """What is refused in a request before a view reads it (core.middleware,
    core.errors), as "`code` (why)" phrases by status, for a request whose body has
    `media_type` (None: no body). Every query string may hold too many fields; a body
    may be too large (a multipart body's fields: its files have limits of their own),
    malformed, or hold too many fields or files. A limit set to None is no limit."""
    max_fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    max_files = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    max_size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    is_form = media_type in FORM_MEDIA_TYPES
    is_multipart = media_type == "multipart/form-data"
    refusals: dict[int, list[str]] = {400: [], 413: []}
    if media_type == "application/json":
        refusals[400].append(f"`{ParseError.default_code}` (malformed JSON, or nested too deeply)")
    if is_multipart:
        refusals[400].append(f"`{ParseError.default_code}` (a malformed multipart body)")
    if max_fields is not None:
        fields = "query parameters and form fields" if is_form else "query parameters"
        refusals[400].append(f"`{TooManyFields.default_code}` (over {max_fields} {fields})")
    if is_multipart and max_files is not None:
        refusals[400].append(f"`{TooManyFiles.default_code}` (over {max_files} files)")
    if media_type is not None and max_size is not None:
        body = "its fields, files aside, are" if is_multipart else "the body is"
        refusals[413].append(
            f"`{RequestTooLarge.default_code}` ({body} over {max_size} bytes, "
            "`DATA_UPLOAD_MAX_MEMORY_SIZE`)"
        )
    return refusals
