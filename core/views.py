"""The health check, and Django's error views answering API clients in the API's shape."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection, models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.checks import static_files_collected
from core.errors import api_error_response, error_body, request_body_error
from core.requests import is_api_request

logger = logging.getLogger(__name__)


class ComponentStatus(models.TextChoices):
    OK = "ok"
    UNAVAILABLE = "unavailable"


class ServiceStatus(models.TextChoices):
    OK = "ok"
    DEGRADED = "degraded"
    UNAVAILABLE = "unavailable"


OK, UNAVAILABLE = ComponentStatus.OK, ComponentStatus.UNAVAILABLE


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ServiceStatus.choices)
    database = serializers.ChoiceField(choices=ComponentStatus.choices)
    cache = serializers.ChoiceField(choices=ComponentStatus.choices)
    static_files = serializers.ChoiceField(
        choices=ComponentStatus.choices,
        help_text="`unavailable` until `collectstatic` ran (without DEBUG): the API docs "
        "and the admin cannot load their files.",
    )


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database is unreachable.")
        return UNAVAILABLE
    return OK


def cache_status() -> str:
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, OK, timeout=10)
        answer = cache.get(key)
        cache.delete(key)
    except Exception:
        logger.exception("Health check: the cache is unreachable.")
        return UNAVAILABLE
    return OK if answer == OK else UNAVAILABLE


class HealthView(APIView):
    """Whether this instance can serve: 200 while the database answers, else 503.

    A cache outage (rate limits and caches reset) or static files not collected (the
    docs and the admin fail) degrade the service but do not take the instance out of
    rotation.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="health",
        tags=["health"],
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(HealthSerializer, description="The database is unreachable."),
        },
    )
    def get(self, request: Request) -> Response:
        database, cache_ = database_status(), cache_status()
        static_files = OK if static_files_collected() else UNAVAILABLE
        if database != OK:
            overall, code = ServiceStatus.UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE
        elif cache_ != OK or static_files != OK:
            overall, code = ServiceStatus.DEGRADED, status.HTTP_200_OK
        else:
            overall, code = ServiceStatus.OK, status.HTTP_200_OK
        body = {
            "status": overall,
            "database": database,
            "cache": cache_,
            "static_files": static_files,
        }
        return Response(body, status=code, headers={"Cache-Control": "no-store"})


# -- Django's error views ------------------------------------------------------------
# DRF views format their own errors; these answer requests that never reach one (an
# unknown URL, a failure in middleware). API paths get JSON, the rest Django's pages.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        refused_body = request_body_error(exception)
        if refused_body is not None:  # too large, too many fields or files
            return api_error_response(refused_body)
        body = error_body(error_type="client_error", code="bad_request", detail="Bad request.")
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        body = error_body(
            error_type="client_error",
            code="permission_denied",
            detail="You do not have permission to perform this action.",
        )
        return JsonResponse(body, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        body = error_body(error_type="client_error", code="not_found", detail="Not found.")
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        body = error_body(
            error_type="server_error", code="error", detail="A server error occurred."
        )
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
