"""`core.renderers.JSONRenderer`: DRF's JSON, written by orjson."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.renderers import JSONRenderer
from videos.models import Video

LISBON = ZoneInfo("Europe/Lisbon")


def everything() -> dict:
    """A value of every kind an answer holds, in the containers serializers give."""
    return {
        "text": "plain",
        "unicode": "café ✓ 日本 🎬",
        "escapes": 'tab\tnew\nquote"back\\slash\x00\x1f',
        "line separators": "a\u2028b\u2029c",
        "int": 7,
        "large": 2**62,
        "negative": -3,
        "floats": [0.1, 1.5, 0.30000000000000004, 12345.678, 1e16, 1e22, -0.0],
        "bool": True,
        "none": None,
        "utc": datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC),
        "zoned": datetime(2026, 7, 1, 9, 30, tzinfo=LISBON),
        "naive": datetime(2026, 12, 7, 12, 0),
        "date": date(2026, 12, 7),
        "time": time(9, 30, 15),
        "duration": timedelta(seconds=90),
        "decimal": Decimal("12.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Not found."),
        "error": ErrorDetail("Not a valid choice.", code="invalid_choice"),
        "choice": Video.Visibility.PUBLIC,
        "tuple": (1, "two"),
        "bytes": b"raw",
        1: "an integer key",
        "nested": ReturnDict(
            {"items": ReturnList([{"a": None}, [date(2026, 1, 2)]], serializer=None)},
            serializer=None,
        ),
    }


def drf(data, media_type=None) -> bytes:
    return renderers.JSONRenderer().render(data, media_type)


def test_it_writes_what_drfs_renderer_writes_for_every_kind_of_value():
    rendered = JSONRenderer().render(everything())

    assert rendered == drf(everything())
    assert b'"utc":"2026-12-07T12:00:00.123456Z"' in rendered
    assert b'"zoned":"2026-07-01T09:30:00+01:00"' in rendered
    assert b'"line separators":"a\\u2028b\\u2029c"' in rendered
    assert b'"unicode":"caf\xc3\xa9' in rendered  # UTF-8, not \u escapes


def test_a_float_with_a_small_exponent_is_the_same_number_written_shorter():
    # The one difference in writing: orjson leaves out the exponent's leading zero.
    rendered = JSONRenderer().render({"score": 1e-7})

    assert rendered == b'{"score":1e-7}'
    assert drf({"score": 1e-7}) == b'{"score":1e-07}'
    assert json.loads(rendered) == json.loads(drf({"score": 1e-7}))


def test_an_integer_beyond_64_bits_takes_drfs_path():
    data = {"huge": 2**70, "text": "x"}

    assert JSONRenderer().render(data) == drf(data) == b'{"huge":1180591620717411303424,"text":"x"}'


def test_an_indented_answer_takes_drfs_path():
    media_type = "application/json; indent=2"

    rendered = JSONRenderer().render(everything(), media_type)

    assert rendered == drf(everything(), media_type)
    assert rendered.startswith(b'{\n  "text": "plain",')


def test_nothing_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_what_drf_refuses_it_refuses_the_same_way():
    @dataclass
    class Point:
        x: int

    with pytest.raises(TypeError, match="not JSON serializable"):
        JSONRenderer().render({"point": Point(1)})
    with pytest.raises(TypeError, match="not JSON serializable"):
        drf({"point": Point(1)})


def test_a_float_that_is_not_a_number_is_null():
    # DRF's strict encoder fails the request (a 500); orjson writes null.
    assert JSONRenderer().render({"a": float("nan"), "b": float("inf")}) == b'{"a":null,"b":null}'
    with pytest.raises(ValueError, match="not JSON compliant"):
        drf({"a": float("nan")})


@pytest.mark.django_db
def test_the_api_answers_with_it(auth_client):
    response = auth_client.get("/api/v1/users/me/")

    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == drf(response.data)
