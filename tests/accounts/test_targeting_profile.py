"""The targeting profile (country, language, birth date, interests): set on `users/me/`,
checked and normalised by the service, and shown to the user themself only."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.models import User
from accounts.services.profiles import targeting_profile_clean
from tests.accounts.factories import PASSWORD, AdminFactory, ModeratorFactory, UserFactory
from tests.conftest import validation_errors
from tests.videos.factories import VideoFactory

ME_URL = "/api/v1/users/me/"
TARGETING_FIELDS = ("country", "language", "birth_date", "interests")


def _years_ago(years: int, *, days: int = 0) -> date:
    today = timezone.now().date()
    return today.replace(year=today.year - years) + timedelta(days=days)


@pytest.fixture
def profiled(db) -> User:
    """A user who gave every targeting field."""
    return UserFactory(
        country="DE",
        language="de",
        birth_date=date(1990, 5, 17),
        interests=["cooking", "cycling"],
    )


def test_a_new_user_has_an_empty_targeting_profile(auth_client):
    body = auth_client.get(ME_URL).json()
    assert {name: body[name] for name in TARGETING_FIELDS} == {
        "country": "",
        "language": "",
        "birth_date": None,
        "interests": [],
    }


def test_patch_sets_the_targeting_profile_normalised(auth_client, user):
    response = auth_client.patch(
        ME_URL,
        {
            "country": "br",
            "language": "PT",
            "birth_date": "2000-02-29",
            "interests": [" Cooking ", "cycling", "COOKING", "Board games"],
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert {name: body[name] for name in TARGETING_FIELDS} == {
        "country": "BR",
        "language": "pt",
        "birth_date": "2000-02-29",
        "interests": ["cooking", "cycling", "board games"],
    }
    user.refresh_from_db()
    assert (user.country, user.language, user.birth_date, user.interests) == (
        "BR",
        "pt",
        date(2000, 2, 29),
        ["cooking", "cycling", "board games"],
    )


def test_patch_clears_each_field_with_an_empty_value(make_auth_client, profiled):
    client = make_auth_client(profiled)
    response = client.patch(
        ME_URL,
        {"country": "", "language": "", "birth_date": None, "interests": []},
        format="json",
    )
    assert response.status_code == 200
    profiled.refresh_from_db()
    assert (profiled.country, profiled.language, profiled.birth_date, profiled.interests) == (
        "",
        "",
        None,
        [],
    )


def test_patch_leaves_the_targeting_fields_not_sent(make_auth_client, profiled):
    response = make_auth_client(profiled).patch(ME_URL, {"bio": "Hello"}, format="json")
    assert response.status_code == 200
    profiled.refresh_from_db()
    assert (profiled.country, profiled.language, profiled.birth_date, profiled.interests) == (
        "DE",
        "de",
        date(1990, 5, 17),
        ["cooking", "cycling"],
    )


def test_a_birth_date_exactly_13_years_ago_is_accepted(auth_client):
    response = auth_client.patch(ME_URL, {"birth_date": _years_ago(13).isoformat()})
    assert response.status_code == 200
    assert response.json()["birth_date"] == _years_ago(13).isoformat()


@pytest.mark.parametrize(
    ("field", "value", "attr", "code"),
    [
        ("country", "USA", "country", "max_length"),
        ("country", "U1", "country", "invalid_country"),
        ("country", "U", "country", "invalid_country"),
        ("language", "english", "language", "invalid_language"),
        ("language", "pt-BR", "language", "invalid_language"),
        ("language", "e", "language", "invalid_language"),
        ("birth_date", "yesterday", "birth_date", "invalid"),
        ("interests", "cooking", "interests", "not_a_list"),
        ("interests", ["ok", "x" * 41], "interests.1", "max_length"),
        ("interests", ["   "], "interests.0", "blank"),
        ("interests", [f"topic {n}" for n in range(21)], "interests", "max_length"),
    ],
)
def test_patch_refuses_bad_targeting_values(auth_client, user, field, value, attr, code):
    response = auth_client.patch(ME_URL, {field: value}, format="json")
    assert response.status_code == 400
    assert validation_errors(response) == [(attr, code)]
    user.refresh_from_db()
    assert (user.country, user.language, user.birth_date, user.interests) == ("", "", None, [])


def test_a_birth_date_in_the_future_is_refused(auth_client, user):
    tomorrow = timezone.now().date() + timedelta(days=1)
    response = auth_client.patch(ME_URL, {"birth_date": tomorrow.isoformat()})
    assert response.status_code == 400
    assert validation_errors(response) == [("birth_date", "birth_date_in_future")]
    assert response.json()["errors"][0]["detail"] == "A birth date cannot be in the future."


def test_a_birth_date_less_than_13_years_ago_is_refused(auth_client, user):
    response = auth_client.patch(ME_URL, {"birth_date": _years_ago(13, days=1).isoformat()})
    assert response.status_code == 400
    assert validation_errors(response) == [("birth_date", "too_young")]
    assert response.json()["errors"][0]["detail"] == "Users must be at least 13 years old."
    user.refresh_from_db()
    assert user.birth_date is None


# --- shown on users/me/ only ------------------------------------------------------------


def _has_no_targeting_field(body: dict) -> bool:
    return not set(TARGETING_FIELDS) & set(body)


@pytest.mark.parametrize(
    "viewer_factory",
    [None, UserFactory, ModeratorFactory, AdminFactory],
    ids=["themself", "other-user", "moderator", "admin"],
)
def test_the_profile_page_never_shows_the_targeting_profile(
    make_auth_client, profiled, viewer_factory
):
    viewer = profiled if viewer_factory is None else viewer_factory()
    response = make_auth_client(viewer).get(f"/api/v1/users/{profiled.username}/")
    assert response.status_code == 200
    assert _has_no_targeting_field(response.json())


@pytest.mark.parametrize("viewer_factory", [UserFactory, AdminFactory], ids=["other-user", "admin"])
def test_user_search_never_shows_the_targeting_profile(make_auth_client, profiled, viewer_factory):
    response = make_auth_client(viewer_factory()).get(
        "/api/v1/users/", {"search": profiled.username}
    )
    assert response.status_code == 200
    [found] = response.json()["results"]
    assert found["id"] == str(profiled.pk)
    assert _has_no_targeting_field(found)


def test_a_videos_owner_never_shows_the_targeting_profile(make_auth_client, profiled):
    video = VideoFactory(owner=profiled)
    response = make_auth_client(profiled).get(f"/api/v1/videos/{video.pk}/")
    assert response.status_code == 200
    assert response.json()["owner"]["id"] == str(profiled.pk)
    assert _has_no_targeting_field(response.json()["owner"])


def test_deleting_the_account_clears_the_targeting_profile(make_auth_client, profiled):
    response = make_auth_client(profiled).delete(ME_URL, {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    profiled.refresh_from_db()
    assert (profiled.country, profiled.language, profiled.birth_date, profiled.interests) == (
        "",
        "",
        None,
        [],
    )


def test_the_service_refuses_an_empty_interest_itself():
    with pytest.raises(ValidationError) as refused:
        targeting_profile_clean(interests=["cooking", " "])
    assert refused.value.detail["interests"][0].code == "invalid_interest"
