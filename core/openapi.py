"""The error responses of the OpenAPI schema: drf-standardized-errors' shapes, with the
codes this project's own exceptions answer, so the schema lists every code a client
may meet (the schema fuzzer holds the API to it).

Each app keeps its exceptions in `<app>/exceptions.py` as `APIException` subclasses
with a `status_code` and a `default_code` (and `FieldRejection`s, core.exceptions);
they are read from there, once. A view names the ones it may answer with `raises`;
the paginator and the authenticators name theirs in a `raises` attribute. Each
operation's error responses and the "Error codes: ..." end of its description are
made from these, never typed by hand.
"""

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from functools import cache
from http import HTTPStatus
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.plumbing import force_instance, is_basic_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from drf_standardized_errors import openapi, openapi_serializers
from drf_standardized_errors.openapi_serializers import (
    ClientErrorEnum,
    ServerErrorEnum,
    ValidationErrorEnum,
)
from drf_standardized_errors.openapi_utils import get_example_from_exception
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    BasePermission,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)

from core.exceptions import FieldRejection, RequestTooLarge
from core.schema import request_refusals

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
        if exception.status_code == status_code
        and exception.__module__.split(".")[0] in ours
        and not issubclass(exception, serializers.ValidationError)
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


def error_codes_413() -> list[tuple[str, str]]:
    return _choices(413)


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


class Because:
    """A declared error and what it means for one operation (`because(NotFound, "no
    such video")`), where its own sentence says too little."""

    def __init__(self, error, reason: str | None = None) -> None:
        self.error = error
        self.reason = reason

    @property
    def is_serializer(self) -> bool:
        error = self.error
        return isinstance(error, serializers.BaseSerializer) or (
            inspect.isclass(error) and issubclass(error, serializers.BaseSerializer)
        )

    @property
    def status_code(self) -> int:
        return int(self.error.status_code)

    @property
    def code(self) -> str:
        return self.error.default_code

    @property
    def attr(self) -> str | None:
        return self.error.attr if isinstance(self.error, FieldRejection) else None

    def sentence(self) -> str:
        if self.reason is not None:
            return self.reason if self.reason.endswith(".") else f"{self.reason}."
        if isinstance(self.error, FieldRejection):
            return str(self.error.detail())
        return str(self.error.default_detail)


def because(error, reason: str) -> Because:
    return Because(error, reason)


def raises(*errors) -> Callable:
    """Name the errors a view's method (or an action, in `extend_schema_view`) may
    answer beyond those the schema finds by itself (the request body's validation,
    the paginator's and the authenticators' errors): `APIException` subclasses,
    `FieldRejection`s, serializers that validate the query string, and
    `because(error, reason)`. The operation's error responses and the "Error codes"
    text of its description are made from them."""

    def decorator(function):
        function.declared_errors = (*errors, *getattr(function, "declared_errors", ()))
        return function

    return decorator


def _phrase(errors: list[Because]) -> str:
    """`code` (status[, `attr` `name`]): sentence, for one error; the codes alone with
    their status for a group without sentences (the authentication codes)."""
    first = errors[0]
    where = f"{first.status_code}, `attr` `{first.attr}`" if first.attr else first.status_code
    if len(errors) > 1:
        return ", ".join(f"`{error.code}`" for error in errors) + f" ({where})."
    return f"`{first.code}` ({where}): {first.sentence()}"


class ValidationErrorSerializer(serializers.Serializer):
    """One invalid input: `attr` names the field (`tags.0` for an item of a list, or
    `non_field_errors`); the operation's 400 response lists its codes by `attr`."""

    code = serializers.CharField()  # ValidationErrorCodeEnum, by `postprocess_error_codes`
    detail = serializers.CharField()
    attr = serializers.CharField()


class ValidationErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ValidationErrorEnum.choices)
    errors = ValidationErrorSerializer(many=True)


# Permission classes that refuse only anonymous callers: a 401 where the view has
# authenticators, never a 403.
_AUTHENTICATION_ONLY = (AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly)


def permission_refuses_anonymous(permission: BasePermission, *, method: str) -> bool:
    """Whether `permission` may refuse an anonymous caller this `method` (a 401
    `not_authenticated` where the view has authenticators)."""
    if isinstance(permission, AllowAny) or method in getattr(permission, "open_methods", ()):
        return False
    return not (isinstance(permission, IsAuthenticatedOrReadOnly) and method in SAFE_METHODS)


def permission_refuses_signed_in(
    permission: BasePermission, *, method: str, names_object: bool
) -> bool:
    """Whether `permission` may refuse a signed-in caller this `method` (a 403).

    A permission that only checks objects (`has_object_permission`) is asked about the
    object a path names, never on lists or creates; one lets every caller through on
    its `open_methods` (a tuple of methods, `SAFE_METHODS` for "anyone reads")."""
    if type(permission) in _AUTHENTICATION_ONLY or method in getattr(
        permission, "open_methods", ()
    ):
        return False
    checks_requests = type(permission).has_permission is not BasePermission.has_permission
    return checks_requests or names_object


# The extension of a 400 response that maps each `attr` to the validation codes the
# operation may answer for it (`tags.INDEX` stands for every item of a list).
ERROR_CODES_EXTENSION = "x-validation-error-codes"
# One character that is not whitespace to Python's `str.isspace()` (which ECMA's `\s`
# does not match exactly: it leaves out \x1c-\x1f and \x85, and adds \ufeff).
NOT_BLANK_PATTERN = (
    "[^\\t-\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
)


class AutoSchema(openapi.AutoSchema):
    """drf-standardized-errors' schema with shared, named error components: one
    `ValidationErrorResponse` and one `ClientErrorResponse<status>` per status, each
    operation listing its validation codes by field in its 400 response; and the
    statuses each operation can answer, no others."""

    def _declared_errors(self) -> list[Because]:
        """The errors the view's method or action names (`raises`)."""
        name = getattr(self.view, "action", None) or self.method.lower()
        declared = getattr(getattr(self.view, name, None), "declared_errors", ())
        return [item if isinstance(item, Because) else Because(item) for item in declared]

    def _errors(self) -> list[Because]:
        """The declared errors, then the paginator's on a list."""
        errors = self._declared_errors()
        if self.method == "GET" and self._is_list_view() and (paginator := self._get_paginator()):
            errors += [Because(error) for error in getattr(paginator, "raises", ())]
        return errors

    def _authentication_errors(self) -> list[Because]:
        """The 401s: `not_authenticated` where a permission refuses anonymous callers,
        and what the authenticators raise on a credential they cannot accept."""
        errors: list = []
        if any(
            permission_refuses_anonymous(permission, method=self.method)
            for permission in self.view.get_permissions()
        ):
            errors.append(NotAuthenticated)
        for authenticator in self.view.get_authenticators():
            errors += getattr(authenticator, "raises", ())
        return [Because(error) for error in errors]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        by_status: dict[int, list[Because]] = {}
        for error in self._declared_errors():
            if not error.is_serializer and error.status_code != 400:
                by_status.setdefault(error.status_code, []).append(error)
        for status_code, errors in by_status.items():
            description = "; ".join(
                f"`{error.code}`: {error.sentence().removesuffix('.')}" for error in errors
            )
            key = str(status_code)
            if key not in responses:
                responses[key] = self._get_response_for_code(
                    OpenApiResponse(error_response_serializer(status_code)), key
                )
            if not responses[key].get("description"):
                responses[key]["description"] = f"{description}."
        return responses

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        phrases = self._error_codes_phrases(operation["responses"])
        if phrases:
            text = "Error codes: " + " ".join(phrases)
            operation["description"] = f"{operation.get('description', '')} {text}".strip()
        return operation

    def _error_codes_phrases(self, responses: dict) -> list[str]:
        """What the operation's description says of its errors, by status."""
        groups: list[list[Because]] = []
        seen: set[tuple[str, str | None]] = set()
        for error in self._errors():
            if not error.is_serializer and (error.code, error.attr) not in seen:
                seen.add((error.code, error.attr))
                groups.append([error])
        if "401" in responses:
            authentication = [
                error for error in self._authentication_errors() if (error.code, None) not in seen
            ]
            if authentication:
                groups.append(authentication)
        groups.sort(key=lambda group: group[0].status_code)
        return [_phrase(group) for group in groups]

    def _get_error_response_serializer(self, status_code: str):
        if status_code in {"401", "403", "404", "413", "429"}:
            return error_response_serializer(int(status_code))
        return super()._get_error_response_serializer(status_code)

    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code == "413" and not self._request_refusals().get(413):
            return False
        return super()._should_add_error_response(responses, status_code)

    def _get_error_response_examples(self):
        return [
            *super()._get_error_response_examples(),
            get_example_from_exception(RequestTooLarge()),
        ]

    def _should_add_http401_error_response(self) -> bool:
        # Authentication runs before permissions: a bad `Authorization` header gets a 401
        # even where anyone may call. Views without authenticators ignore the header;
        # those that answer 401 themselves (a wrong password) declare it.
        return bool(self.view.get_authenticators())

    def _should_add_http403_error_response(self) -> bool:
        # A 403 refuses a signed-in caller: where a permission class may (a role, an
        # owner's object permission). What a service refuses (not the author, comments
        # off, a private account) the view declares with `raises(...)`.
        return any(
            permission_refuses_signed_in(
                permission, method=self.method, names_object=self._names_object()
            )
            for permission in self.view.get_permissions()
        )

    def _names_object(self) -> bool:
        return any(parameter["in"] == "path" for parameter in self._get_parameters())

    def _should_add_http404_error_response(self) -> bool:
        # Only a path names an object that may be missing; an unknown `?format=` is a
        # 406 (core.negotiation) and a bad cursor a 400.
        return self._names_object()

    def _should_add_http405_error_response(self) -> bool:
        # An operation is a method the path answers; other methods are not operations.
        return False

    def _should_add_http415_error_response(self) -> bool:
        # Only a request body has a content type to refuse.
        return self._body_serializer() is not None

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list that may not be empty (`allow_empty=False`, `empty`) says so:
        # drf-spectacular maps a list's lengths, not this.
        if (
            direction == "request"
            and isinstance(schema, dict)
            and schema.get("type") == "array"
            and getattr(field, "allow_empty", True) is False
        ):
            schema.setdefault("minItems", 1)
        # DRF takes an empty string for null in a relation that may be null (a form
        # cannot send null): `category: ""` clears it.
        if (
            direction == "request"
            and isinstance(field, serializers.RelatedField)
            and field.allow_null
            and isinstance(schema, dict)
        ):
            schema.pop("minLength", None)
        # An upload may not be an empty file (DRF's `empty`), unless the field allows it.
        if (
            direction == "request"
            and isinstance(field, serializers.FileField)
            and not field.allow_empty_file
            and isinstance(schema, dict)
        ):
            schema.setdefault("minLength", 1)
        # Text that may not be blank is refused when only whitespace remains once
        # trimmed (`blank`): it must hold one character that Python's `str.strip()`
        # keeps. (A field with a pattern of its own states its own rule.)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
        ):
            schema.setdefault("pattern", NOT_BLANK_PATTERN)
        return schema

    def _get_parameters(self):
        parameters = super()._get_parameters()
        # A query serializer reads the query string as DRF reads an HTML form: an
        # optional field left empty (`?ordering=`) is taken as absent, its default.
        # (Filter sets say so themselves, core.filters; the paginator's `page_size`
        # is not one of these: an empty one is refused.)
        serializers_read = [
            *(item for item in self.get_override_parameters() if is_basic_serializer(item)),
            *(error.error for error in self._declared_errors() if error.is_serializer),
        ]
        optional = {
            name
            for serializer in serializers_read
            for name, field in force_instance(serializer).fields.items()
            if not field.required
        }
        for parameter in parameters:
            if parameter["in"] == OpenApiParameter.QUERY and parameter["name"] in optional:
                parameter["allowEmptyValue"] = True
        return parameters

    def _insert_field_validators(self, field, schema) -> None:
        super()._insert_field_validators(field, schema)
        # An email address is what Django's validator takes, which JSON Schema's
        # `format: email` does not describe (it refuses some of it: ill-formed punycode,
        # a local part over 64 characters). The address is a string, with the pattern of
        # `core.serializers.EmailAddressField` where one is typed in.
        if isinstance(field, serializers.EmailField) and schema.get("format") == "email":
            del schema["format"]

    def _get_request_for_media_type(self, serializer, direction="request"):
        # A PATCH is partial, except where the view validates the whole body
        # (`patch_is_partial = False`): then its required fields stay required.
        if self.method == "PATCH" and getattr(self.view, "patch_is_partial", True) is False:
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _reads_delete_body(self) -> bool:
        """A DELETE whose view reads a body (`delete_has_body = True`: a password)."""
        return self.method == "DELETE" and getattr(self.view, "delete_has_body", False)

    def _get_request_body(self, direction="request"):
        if self._reads_delete_body():
            self.method = "POST"
            try:
                return super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
        return super()._get_request_body(direction)

    def _body_serializer(self):
        """The request body's serializer, also when declared per media type."""
        if self.method not in ("PUT", "PATCH", "POST") and not self._reads_delete_body():
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
        if self._reads_delete_body() or (
            isinstance(self.get_request_serializer(), dict) and self._body_serializer()
        ):
            fields = openapi.get_flat_serializer_fields(self._body_serializer())
            return openapi.get_serializer_fields_with_error_codes(fields)
        return super()._determine_fields_with_error_codes()

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        extra = {
            field: set(codes) for field, codes in super()._get_extra_validation_errors().items()
        }
        # What the view names, and a paginated list's own query parameters.
        for error in self._errors():
            if isinstance(error.error, FieldRejection):
                extra.setdefault(error.attr, set()).add(error.code)
            elif error.is_serializer:  # of the query string: a mapping of strings
                fields = openapi.get_flat_serializer_fields(error.error)
                for field in openapi.get_serializer_fields_with_error_codes(fields):
                    if field.name != "non_field_errors":
                        codes = set(field.error_codes) - {"null"}
                        extra.setdefault(field.name, set()).update(codes)
        return extra

    def _request_media_type(self) -> str | None:
        """The media type of the request body, if the operation takes one."""
        if self._body_serializer() is None:
            return None
        declared = self.get_request_serializer()
        return next(iter(declared if isinstance(declared, dict) else self.map_parsers()), None)

    def _request_refusals(self) -> dict[int, list[str]]:
        return request_refusals(self._request_media_type())

    def _should_add_parse_error_response(self) -> bool:
        # Client errors (400) beyond validation: a request itself may be refused, a
        # query string with too many fields anywhere (core.schema.request_refusals);
        # and views and services refuse writes with errors of their own, body or not.
        return bool(self._request_refusals().get(400)) or self.method != "GET"

    def _validation_error_codes(self) -> dict[str, list[str]]:
        """`attr` -> the validation codes this operation may answer for it."""
        fields = self._determine_fields_with_error_codes()
        return {
            (attr or "non_field_errors"): sorted(codes)
            for attr, codes in sorted(self._get_validation_error_codes_by_field(fields).items())
            if codes
        }

    def _get_http400_serializer(self):
        kinds = {}
        if self._should_add_validation_error_response():
            kinds[ValidationErrorEnum.VALIDATION_ERROR.value] = ValidationErrorResponseSerializer
        if self._should_add_parse_error_response():
            kinds[ClientErrorEnum.CLIENT_ERROR.value] = error_response_serializer(400)
        if len(kinds) == 1:
            return next(iter(kinds.values()))
        return PolymorphicProxySerializer(
            component_name="ErrorResponse400", serializers=kinds, resource_type_field_name="type"
        )

    def _error_media_types(self) -> list[str]:
        """The media types an error answer may have: a renderer that answers errors in
        another format (`error_renderer`, core.renderers) stands for that one."""
        media_types = []
        for renderer in self.view.get_renderers():
            answering = getattr(renderer, "error_renderer", None) or renderer
            media_types.append(answering.media_type.split(";")[0])
        return list(dict.fromkeys(media_types))

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if media_types is None and int(status_code) >= 400:
            media_types = self._error_media_types()
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        status_code = int(status_code)
        generated = serializer in (
            ValidationErrorResponseSerializer,
            error_response_serializer(status_code),
        ) or (getattr(serializer, "component_name", None) == "ErrorResponse400")
        if status_code not in (400, 413) or not generated:
            return response  # a success, or an error response the view declares
        descriptions = []
        if status_code == 400 and self._should_add_validation_error_response():
            codes = self._validation_error_codes()
            response[ERROR_CODES_EXTENSION] = codes
            descriptions.append(
                "Validation error codes by `attr`: "
                + "; ".join(
                    f"`{attr}`: " + ", ".join(f"`{code}`" for code in field_codes)
                    for attr, field_codes in codes.items()
                )
                + "."
            )
        if refusals := self._request_refusals().get(status_code):
            prefix = "Client error codes of the request itself: " if status_code == 400 else ""
            descriptions.append(prefix + "; ".join(refusals) + ".")
        if descriptions:
            response["description"] = " ".join(descriptions)
        return response


def postprocess_error_codes(result, generator, request, public):
    """Name the validation codes of every operation as one enum,
    `ValidationErrorCodeEnum`, the type of `ValidationError.code`."""
    codes = {
        code
        for path in result.get("paths", {}).values()
        for operation in path.values()
        for field_codes in operation.get("responses", {})
        .get("400", {})
        .get(ERROR_CODES_EXTENSION, {})
        .values()
        for code in field_codes
    }
    schemas = result.get("components", {}).get("schemas", {})
    if "ValidationError" in schemas:
        schemas["ValidationErrorCodeEnum"] = {
            "enum": sorted(codes),
            "type": "string",
            "description": "The code of a validation error.",
        }
        schemas["ValidationError"]["properties"]["code"] = {
            "$ref": "#/components/schemas/ValidationErrorCodeEnum"
        }
    return result


def postprocess_shared_responses(result, generator, request, public):
    """Error responses every operation answers alike (a 401 with its examples, a 429)
    are written once, in `components.responses`, and referenced by status."""
    shared = {}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status_code, response in operation.get("responses", {}).items():
                if int(status_code) < 400 or response.get("description") or "$ref" in response:
                    continue
                phrase = HTTPStatus(int(status_code)).phrase
                name = "".join(phrase.title().split())
                if shared.setdefault(name, response) is not response and shared[name] != {
                    **response,
                    "description": phrase,
                }:
                    continue  # another shape under the same status stays where it is
                response["description"] = phrase
                operation["responses"][status_code] = {"$ref": f"#/components/responses/{name}"}
    result.setdefault("components", {})["responses"] = dict(sorted(shared.items()))
    return result
