"""The API's error shape outside DRF views, and the error codes the kernel defines.

Inside DRF views drf-standardized-errors formats every exception (with
`ExceptionHandler` below, which also knows Django's request-body errors); Django's own
error views (unknown URLs, server errors, bodies refused before a view) use
`error_body` to answer API clients in the same shape:
`{"type": ..., "errors": [{"code", "detail", "attr"}]}`.
"""

from typing import Literal

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from drf_standardized_errors.handler import ExceptionHandler as StandardExceptionHandler
from rest_framework.exceptions import APIException

from core.exceptions import BodyNestedTooDeeply, RequestTooLarge, TooManyFields, TooManyFiles

ErrorType = Literal["validation_error", "client_error", "server_error"]


def error_body(*, error_type: ErrorType, code: str, detail: str, attr: str | None = None) -> dict:
    """One error in the standard shape."""
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def request_body_error(exc: BaseException) -> APIException | None:
    """The API error for a request body Django or the JSON decoder refused, if it is one.

    A `RecursionError` is taken for JSON nested deeper than the decoder can follow:
    parsing a client's body is where one reaches a view."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return TooManyFields()
    if isinstance(exc, TooManyFilesSent):
        return TooManyFiles()
    if isinstance(exc, RecursionError):
        return BodyNestedTooDeeply()
    return None


def api_error_response(exc: APIException) -> JsonResponse:
    """`exc` in the standard shape, for answers given outside DRF views."""
    body = error_body(
        error_type="client_error", code=exc.default_code, detail=str(exc.default_detail)
    )
    return JsonResponse(body, status=exc.status_code)


class ExceptionHandler(StandardExceptionHandler):
    """drf-standardized-errors' handler, plus Django's request-body errors as 4xx."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        return request_body_error(exc) or super().convert_known_exceptions(exc)
