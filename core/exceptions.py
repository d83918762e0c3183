"""The kernel's errors: how a rejection is declared, and request bodies a client must not
send, each with a stable code.

Every rejection is declared once, with its status, code and sentence: an `APIException`
subclass (`status_code`, `default_code`, `default_detail`), or a `FieldRejection` for a
400 `validation_error` on one input field. Views name the ones they may answer
(`core.openapi.raises`), and the schema's responses and "Error codes" text follow.

Django and Python raise their own exceptions for request bodies (`RequestDataTooBig`,
`TooManyFieldsSent`, `TooManyFilesSent`, `RecursionError` from the JSON decoder);
`core.errors` turns them into the ones below, inside DRF views and outside them alike.
"""

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, ParseError, ValidationError


class FieldRejection:
    """A 400 `validation_error` on the input field `attr`, with a stable code and a
    sentence; the sentence may name `{parameters}`, given when raised or by `defaults`
    (values, or callables read then, such as a setting).

    `raise TIP_TOO_LARGE.error()` answers `{"attr": "amount", "code": "max_value", ...}`;
    `.on("password")` is the same rejection on another field; `.detail()` is the
    `ErrorDetail` alone, for a serializer's field validator."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, attr: str, code: str, sentence: str, **defaults: Any) -> None:
        self.attr = attr
        self.default_code = code
        self.default_detail = sentence
        self.defaults = defaults

    def __repr__(self) -> str:
        return f"FieldRejection({self.attr!r}, {self.default_code!r})"

    def on(self, attr: str) -> "FieldRejection":
        return FieldRejection(attr, self.default_code, self.default_detail, **self.defaults)

    def detail(self, **parameters: Any) -> ErrorDetail:
        values = {
            name: value() if callable(value) else value for name, value in self.defaults.items()
        }
        sentence = self.default_detail.format(**{**values, **parameters})
        return ErrorDetail(sentence, code=self.default_code)

    def error(self, **parameters: Any) -> ValidationError:
        return ValidationError({self.attr: [self.detail(**parameters)]})


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
