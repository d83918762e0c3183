"""Errors are declared once (`core.openapi.raises`, `core.exceptions.FieldRejection`):
the schema's error responses and each operation's "Error codes" text follow from the
declarations, and a declared field rejection answers the usual validation shape."""

import json

import pytest
from rest_framework.exceptions import ErrorDetail, NotFound

from core.exceptions import FieldRejection
from core.openapi import because, raises

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def operations(schema: dict):
    for item in schema["paths"].values():
        yield from item.values()


def operation(schema: dict, operation_id: str) -> dict:
    return next(op for op in operations(schema) if op["operationId"] == operation_id)


def test_a_field_rejection_is_a_validation_error_on_its_field():
    rejection = FieldRejection("amount", "max_value", "At most {limit} coins.", limit=lambda: 5)

    assert rejection.error().detail == {
        "amount": [ErrorDetail("At most 5 coins.", code="max_value")]
    }
    assert rejection.on("price").error(limit=7).detail == {
        "price": [ErrorDetail("At most 7 coins.", code="max_value")]
    }


def test_raises_adds_to_what_a_function_already_declares():
    @raises(NotFound)
    @raises(because(NotFound, "no such thing"))
    def handler():
        pass

    assert [getattr(item, "reason", None) for item in handler.declared_errors] == [
        None,
        "no such thing",
    ]


def test_error_codes_are_written_once_not_by_hand(schema):
    assert [
        op["operationId"]
        for op in operations(schema)
        if op.get("description", "").count("Error codes") > 1
    ] == []


def test_a_declared_error_is_in_its_response_and_the_description(schema):
    tip = operation(schema, "tips_create")

    assert "`cannot_tip_self` (400): You cannot tip yourself." in tip["description"]
    assert tip["responses"]["402"]["description"].startswith("`wallet_in_debt`: ")
    assert tip["responses"]["422"]["description"].startswith("`idempotency_key_reused`: ")
    assert tip["responses"]["400"]["x-validation-error-codes"]["amount"] == [
        "invalid",
        "max_string_length",
        "max_value",
        "min_value",
        "null",
        "required",
    ]


def test_signed_in_operations_list_the_authentication_codes(schema):
    codes = "`token_not_valid`, `token_expired`, `session_ended`, `account_inactive` (401)."
    assert f"`not_authenticated`, {codes}" in operation(schema, "wallet_retrieve")["description"]
    # Open to anonymous callers: only a bad token is refused.
    trending = operation(schema, "feed_trending_list")["description"]
    assert codes in trending and "`not_authenticated`" not in trending


def test_a_paginated_list_lists_the_paginators_codes(schema):
    op = operation(schema, "blocks_list")

    assert "`invalid_cursor` (400, `attr` `cursor`)" in op["description"]
    assert op["responses"]["400"]["x-validation-error-codes"]["page_size"] == ["invalid_page_size"]
