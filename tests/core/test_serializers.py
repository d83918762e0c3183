"""`core.serializers.FormInputMixin`: a field a form leaves out is absent, not false."""

import pytest
from django.http import QueryDict
from rest_framework import serializers

from accounts.serializers.profiles import ProfileUpdateSerializer
from core.serializers import FormInputMixin
from payments.serializers.subscriptions import TierWriteSerializer


class Example(FormInputMixin, serializers.Serializer):
    flag = serializers.BooleanField(required=False)
    defaulted = serializers.BooleanField(required=False, default=True)
    name = serializers.CharField(required=False)


def form(text: str) -> QueryDict:
    """What the form and multipart parsers hand a serializer."""
    return QueryDict(text)


def validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    assert serializer.is_valid(), serializer.errors
    return dict(serializer.validated_data)


def test_a_boolean_left_out_of_a_form_is_absent():
    assert validated(Example, form("name=x")) == {"name": "x", "defaulted": True}


def test_without_the_mixin_drf_reads_it_as_false():
    class Plain(serializers.Serializer):
        flag = serializers.BooleanField(required=False)

    assert validated(Plain, form("")) == {"flag": False}


@pytest.mark.parametrize(("sent", "value"), [("false", False), ("true", True), ("0", False)])
def test_a_boolean_sent_in_a_form_is_read(sent, value):
    assert validated(Example, form(f"flag={sent}&defaulted={sent}")) == {
        "flag": value,
        "defaulted": value,
    }


def test_a_partial_form_skips_what_it_leaves_out():
    assert validated(Example, form("name=x"), partial=True) == {"name": "x"}


def test_json_input_is_unchanged():
    assert validated(Example, {"flag": False}) == {"flag": False, "defaulted": True}


# Serializers of endpoints that accept form data and have fields with a default.
# (Video upload and edit are tested through the API in tests/videos/test_upload.py.)


def test_a_profile_form_without_is_private_leaves_it_alone():
    assert validated(ProfileUpdateSerializer, form("display_name=Ana")) == {"display_name": "Ana"}
    assert validated(ProfileUpdateSerializer, form("is_private=false")) == {"is_private": False}
    assert validated(ProfileUpdateSerializer, form("is_private=true")) == {"is_private": True}


def test_a_tier_form_without_active_leaves_it_to_the_service():
    assert validated(TierWriteSerializer, form("name=Gold&price=100")) == {
        "name": "Gold",
        "price": 100,
    }
    assert validated(TierWriteSerializer, form("name=Gold&price=100&active=false")) == {
        "name": "Gold",
        "price": 100,
        "active": False,
    }
    assert validated(TierWriteSerializer, form("name=Gold&price=100&active=true"))["active"]
