"""The error responses of the OpenAPI schema: drf-standardized-errors' shapes, with the
codes this project's own exceptions answer, so the schema lists every code a client
may meet (the schema fuzzer holds the API to it).

Each app keeps its exceptions in `<app>/exceptions.py` as `APIException` subclasses
with a `status_code` and a `default_code`; they are read from there, once.
"""

import importlib
import importlib.util
import inspect
import re
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from drf_standardized_errors import openapi, openapi_serializers
from drf_standardized_errors.openapi_serializers import (
    ClientErrorEnum,
    ServerErrorEnum,
    ValidationErrorEnum,
)
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

# The codes DRF and drf-standardized-errors answer by themselves, by status.
_LIBRARY_CODES = {
    400: ["parse_error"],
    401: openapi_serializers.ErrorCode401Enum.values,
    403: openapi_serializers.ErrorCode403Enum.values,
    404: openapi_serializers.ErrorCode404Enum.values,
    429: openapi_serializers.ErrorCode429Enum.values,
}


def _subclasses(cls: type) -> list[type]:
    found = []
    for subclass in cls.__subclasses__():
        found += [subclass, *_subclasses(subclass)]
    return found


def _project_apps() -> list[str]:
    """Our apps: those whose code lives in this repository, not in a package."""
    root = Path(settings.BASE_DIR).resolve()
    return [
        app.name
        for app in apps.get_app_configs()
        if root in Path(app.path).resolve().parents and ".venv" not in Path(app.path).parts
    ]


@cache
def project_error_codes(status_code: int) -> list[str]:
    """The codes answered with `status_code` (client errors), the library's and ours."""
    ours = _project_apps()
    for app in ours:
        if importlib.util.find_spec(f"{app}.exceptions") is not None:
            importlib.import_module(f"{app}.exceptions")
    codes = {
        exception.default_code
        for exception in _subclasses(APIException)
        if exception.status_code == status_code and exception.__module__.split(".")[0] in ours
    }
    return sorted({*_LIBRARY_CODES.get(status_code, []), *codes})


def _choices(status_code: int) -> list[tuple[str, str]]:
    return [(code, code) for code in project_error_codes(status_code)]


# ENUM_NAME_OVERRIDES names these lists (settings.py), so each status has one enum.
def error_codes_400() -> list[tuple[str, str]]:
    return _choices(400)


def error_codes_401() -> list[tuple[str, str]]:
    return _choices(401)


def error_codes_403() -> list[tuple[str, str]]:
    return _choices(403)


def error_codes_404() -> list[tuple[str, str]]:
    return _choices(404)


def error_codes_429() -> list[tuple[str, str]]:
    return _choices(429)


def error_codes_402() -> list[tuple[str, str]]:
    return _choices(402)


def error_codes_409() -> list[tuple[str, str]]:
    return _choices(409)


def error_codes_422() -> list[tuple[str, str]]:
    return _choices(422)


def error_codes_502() -> list[tuple[str, str]]:
    return _choices(502)


@cache
def error_response_serializer(status_code: int) -> type[serializers.Serializer]:
    """`{"type": "client_error", "errors": [{"code", "detail", "attr"}]}` for a status
    (`"server_error"` for a 5xx, such as a payment provider's 502)."""
    kind = "Server" if status_code >= 500 else "Client"
    error = type(
        f"{kind}Error{status_code}Serializer",
        (serializers.Serializer,),
        {
            "code": serializers.ChoiceField(choices=_choices(status_code)),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
    )
    return type(
        f"{kind}ErrorResponse{status_code}Serializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(
                choices=(ServerErrorEnum if status_code >= 500 else ClientErrorEnum).choices
            ),
            "errors": error(many=True),
        },
    )


def error_responses(**descriptions: str) -> dict[int, OpenApiResponse]:
    """Responses for statuses the library does not add by itself, for `extend_schema`:
    `error_responses(s402="`insufficient_funds`: ...")` documents a 402 with the
    client-error shape and every 402 code of the project."""
    return {
        int(key.removeprefix("s")): OpenApiResponse(
            error_response_serializer(int(key.removeprefix("s"))), description=description
        )
        for key, description in descriptions.items()
    }


class AutoSchema(openapi.AutoSchema):
    """drf-standardized-errors' schema, with our codes and the validation errors that
    views answer beyond their serializers' fields."""

    def _get_error_response_serializer(self, status_code: str):
        if status_code in {"401", "403", "404", "429"}:
            return error_response_serializer(int(status_code))
        return super()._get_error_response_serializer(status_code)

    def _should_add_http401_error_response(self) -> bool:
        # Authentication runs before permissions: a bad `Authorization` header gets a 401
        # even where anyone may call, and sign-in itself answers 401.
        # Sign-in views have no authenticators but answer 401 for a wrong password,
        # which is why they name an authentication scheme for `WWW-Authenticate`.
        return bool(self.view.get_authenticators()) or (
            type(self.view).get_authenticate_header is not APIView.get_authenticate_header
        )

    def _should_add_http403_error_response(self) -> bool:
        # Beyond permission classes, services refuse with 403 (not the owner, comments
        # off, private account): any view that is not open to all may answer it.
        permissions = self.view.get_permissions()
        return not (len(permissions) == 1 and type(permissions[0]) is AllowAny)

    def _body_serializer(self):
        """The request body's serializer, also when declared per media type."""
        if self.method not in ("PUT", "PATCH", "POST"):
            return None
        serializer = self.get_request_serializer()
        if isinstance(serializer, dict):
            serializer = next(iter(serializer.values()), None)
        return serializer

    def _should_add_validation_error_response(self) -> bool:
        body = self._body_serializer()
        has_body = isinstance(body, serializers.Field) or (
            inspect.isclass(body) and issubclass(body, serializers.Field)
        )
        return has_body or super()._should_add_validation_error_response()

    def _determine_fields_with_error_codes(self):
        if isinstance(self.get_request_serializer(), dict) and self._body_serializer():
            fields = openapi.get_flat_serializer_fields(self._body_serializer())
            return openapi.get_serializer_fields_with_error_codes(fields)
        return super()._determine_fields_with_error_codes()

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        extra = {
            field: set(codes) for field, codes in super()._get_extra_validation_errors().items()
        }
        # Paginated lists check their own query parameters (core.pagination).
        if self.method == "GET" and self._is_list_view() and self._get_paginator():
            extra.setdefault("page_size", set()).add("invalid_page_size")
            extra.setdefault("cursor", set()).add("invalid_cursor")
        return extra

    def _should_add_parse_error_response(self) -> bool:
        # Our views raise client errors of their own with 400, parsers or not.
        return True

    def _get_http400_serializer(self):
        http400_serializers = {}
        if self._should_add_validation_error_response():
            http400_serializers[ValidationErrorEnum.VALIDATION_ERROR.value] = (
                self._get_serializer_for_validation_error_response()
            )
        http400_serializers[ClientErrorEnum.CLIENT_ERROR.value] = error_response_serializer(400)
        return PolymorphicProxySerializer(
            component_name=f"{openapi.camelize(self.get_operation_id())}ErrorResponse400",
            serializers=http400_serializers,
            resource_type_field_name="type",
        )


def postprocess_list_index_attrs(result, generator, request, public):
    """Validation errors inside lists name the item's index (`tags.0`), which the
    generated schema spells `tags.INDEX`: match such `attr`s by pattern instead."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        mapping = schema.get("discriminator", {}).get("mapping", {})
        if any(".INDEX" in name for name in mapping):
            del schema["discriminator"]  # `oneOf` still tells the fields apart
        attr = schema.get("properties", {}).get("attr", {})
        names = attr.get("enum") or []
        if len(names) == 1 and ".INDEX" in names[0]:
            parts = [re.escape(part) for part in names[0].split(".INDEX")]
            attr.pop("enum")
            attr["pattern"] = "^" + r"\.[0-9]+".join(parts) + "$"
    return result
