"""This API's own schemathesis checks, for the suite's fuzz test and the live run
(`SCHEMATHESIS_HOOKS=tests.fuzz.live_hooks` loads them).

The shared `ValidationError` component types `code` with every validation code of the
API, so `validation_errors_are_documented` holds each answer to its own operation's
list (`x-validation-error-codes` on its 400 response). schemathesis' own
`positive_data_acceptance` fails any 400 to a schema-valid request, but a valid shape
can still break a rule no schema can state (a wrong one-time code, an unknown
category slug, following oneself); `schema_valid_requests_are_well_formed` fails only
the refusals that say the shape itself was wrong, which means the schema is.
"""

import re

import schemathesis

# Codes that say a value's type, presence or size is wrong: what a schema describes.
# (Not `null_characters_not_allowed`: DRF refuses NUL in every string, a rule of the
# API's own that each field lists among its codes. Nor `invalid_cursor`: a cursor is
# opaque, any string is its shape, and one the API did not sign breaks a rule.)
SHAPE_CODES = {
    "required",
    "null",
    "blank",
    "invalid",
    "not_a_list",
    "empty",
    "min_length",
    "max_length",
    "max_string_length",
    "invalid_choice",
    "invalid_page_size",
}
# Rules OpenAPI 3.0 cannot state without losing the request's model in generated
# clients: login needs `username` or its alias `email`. And rules on data rather than
# shape: a category slug must name one of the categories staff keep (an enum in the
# schema would go stale the day they add one).
SCHEMA_CANNOT_SAY = {
    ("POST /api/v1/auth/login/", "username", "required"),
    ("GET /api/v1/videos/", "category", "invalid_choice"),
}


def _validation_errors(response) -> list[tuple[str, str]]:
    if response.status_code != 400:
        return []
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict) or body.get("type") != "validation_error":
        return []
    return [(error.get("attr"), error.get("code")) for error in body.get("errors", [])]


def _documented(operation) -> dict[str, list[str]]:
    response = operation.definition.raw.get("responses", {}).get("400", {})
    return response.get("x-validation-error-codes", {})


def _matches(attr: str, documented_attr: str) -> bool:
    parts = [re.escape(part) for part in documented_attr.split("INDEX")]
    return re.fullmatch("[0-9]+".join(parts), attr) is not None


@schemathesis.check
def validation_errors_are_documented(ctx, response, case):
    documented = _documented(case.operation)
    undocumented = [
        (attr, code)
        for attr, code in _validation_errors(response)
        if not any(
            _matches(attr or "non_field_errors", name) and code in codes
            for name, codes in documented.items()
        )
    ]
    if undocumented:
        raise AssertionError(
            f"Validation errors the operation's 400 response does not list: {undocumented}"
        )


@schemathesis.check
def schema_valid_requests_are_well_formed(ctx, response, case):
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    refused = [
        (attr, code)
        for attr, code in _validation_errors(response)
        if code in SHAPE_CODES and (case.operation.label, attr, code) not in SCHEMA_CANNOT_SAY
    ]
    if refused:
        raise AssertionError(f"A schema-valid request was refused for its shape: {refused}")
