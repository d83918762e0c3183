"""The kernel's errors: request bodies a client must not send, each with a stable code.

Django and Python raise their own exceptions for these (`RequestDataTooBig`,
`TooManyFieldsSent`, `TooManyFilesSent`, `RecursionError` from the JSON decoder);
`core.errors` turns them into these, inside DRF views and outside them alike.
"""

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class TooManyFields(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request has too many fields."
    default_code = "too_many_fields"


class TooManyFiles(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request has too many files."
    default_code = "too_many_files"


class BodyNestedTooDeeply(ParseError):
    """JSON nested deeper than the decoder's recursion limit (code `parse_error`)."""

    default_detail = "JSON parse error - the body is nested too deeply."
