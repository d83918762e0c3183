"""The kernel's middleware: request ids, refused bodies, API answers and their headers.

Each class is listed in `MIDDLEWARE` (config/settings.py), which says where and why.
"""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from core.access import is_signed_in
from core.errors import api_error_response
from core.exceptions import RequestTooLarge
from core.log import request_id_var
from core.requests import is_api_request
from core.views import page_not_found

Middleware = Callable[[HttpRequest], HttpResponse]

REQUEST_ID_HEADER = "X-Request-ID"
# A client's or proxy's id is kept when it is short and plain (letters, digits, - _ . :),
# so it can go into logs and headers as it is; anything else gets an id of our own.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Give every request an id: the incoming `X-Request-ID` when it is sane, else a
    new one. It is answered in the same header and put on every log record made while
    the request is served (`RequestIdLogFilter`)."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Left set until the response is closed: Django logs 4xx and 5xx answers after
        # the middleware returned (`_forget_request_id`).
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs) -> None:
    request_id_var.set(None)


class RequestBodyLimitMiddleware:
    """Refuse a declared body over `DATA_UPLOAD_MAX_MEMORY_SIZE` before anything reads it
    (413 `request_too_large`). Multipart bodies are left to Django's parser, which
    applies the limit to their fields and not to their files."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and is_api_request(request)
            and not request.content_type.startswith("multipart/")
            and _content_length(request) > limit
        ):
            return api_error_response(RequestTooLarge())
        return self.get_response(request)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiResponseHeadersMiddleware:
    """API answers depend on the caller: they vary on `Authorization`, and those given
    to a caller with credentials are never stored by a cache (`no-store`)."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api_request(request):
            patch_vary_headers(response, ["Authorization"])
            user = getattr(request, "user", None)
            has_credentials = "Authorization" in request.headers or is_signed_in(user)
            if has_credentials and response.get("Content-Type", "").startswith("application/json"):
                response["Cache-Control"] = "no-store"
        return response


class ApiNotFoundMiddleware:
    """With `DEBUG` on, Django answers an unknown URL with its HTML debug page instead of
    calling `handler404`: API paths get the API's JSON 404 then too. It sits inside
    `CommonMiddleware`, which still redirects a path missing its trailing slash."""

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and is_api_request(request)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, None)
        return response
