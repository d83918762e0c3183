"""What the API's documentation says the same way everywhere: the error codes every
signed-in endpoint and every cursor-paginated list may answer, for `extend_schema`
descriptions, and a decorator that lists the paginator's codes on a list view."""

from drf_standardized_errors.openapi_validation_errors import extend_validation_errors

AUTHENTICATION_CODES = (
    "`not_authenticated`, `token_not_valid`, `token_expired`, `session_ended`, "
    "`account_inactive` (401)"
)
PAGINATION_CODES = (
    "`invalid_cursor` (400, `attr` `cursor`: malformed, tampered with, or from another "
    "list), `invalid_page_size` (400, `attr` `page_size`: not a whole number of at least 1)"
)


def paginated(view_class):
    """Document the cursor paginator's error codes on a list view's GET."""
    for code, field_name in (("invalid_cursor", "cursor"), ("invalid_page_size", "page_size")):
        view_class = extend_validation_errors([code], field_name=field_name, methods=["get"])(
            view_class
        )
    return view_class


# Create-like actions (follow, like, bookmark, block) are idempotent across the API.
REPEATED_ACTION = (
    "Idempotent: the first time answers 201 when it creates something; repeating it "
    "answers 200 with the current state and changes nothing."
)
