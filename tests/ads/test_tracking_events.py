"""The VAST player's tracking pixels: each event recorded once per token, 204 whatever
the token (only a valid one records), 404 for an event VAST does not have."""

import pytest
from django.urls import reverse

from ads.models import TrackingEvent
from tests.ads.billing import expired_token, forged_token, running_creative, served_token
from tests.conftest import error_one

pytestmark = pytest.mark.django_db


def event_url(token: str, event: str) -> str:
    return reverse("ads-tracking-event", kwargs={"token": token, "event": event})


def recorded() -> list[tuple[str, str]]:
    return list(
        TrackingEvent.objects.order_by("created_at", "id").values_list("event", "error_code")
    )


@pytest.mark.parametrize("event", TrackingEvent.Event.values)
def test_each_event_is_recorded_once_per_token(api_client, event):
    creative = running_creative()
    token = served_token(creative)

    answers = [api_client.get(event_url(token, event)) for _ in range(2)]

    assert [response.status_code for response in answers] == [204, 204]
    assert answers[0]["Cache-Control"] == "no-store"
    row = TrackingEvent.objects.get()
    assert (row.event, row.creative_id, row.campaign_id) == (
        event,
        creative.pk,
        creative.campaign_id,
    )


def test_the_events_of_one_ad_and_of_two_ads_are_each_recorded(api_client):
    creative = running_creative()
    first, second = served_token(creative), served_token(creative)

    for token, event in [(first, "start"), (first, "midpoint"), (second, "start")]:
        api_client.get(event_url(token, event))

    assert recorded() == [("start", ""), ("midpoint", ""), ("start", "")]


def test_an_unknown_event_is_404(api_client):
    creative = running_creative()

    response = api_client.get(event_url(served_token(creative), "rewind"))

    assert error_one(response, 404) == ("not_found", None)
    assert not TrackingEvent.objects.exists()


@pytest.mark.parametrize(
    ("code", "kept"), [("405", "405"), ("[ERRORCODE]", ""), ("123456789", ""), ("", "")]
)
def test_an_error_keeps_its_vast_error_number(api_client, code, kept):
    creative = running_creative()

    response = api_client.get(event_url(served_token(creative), "error"), {"code": code})

    assert response.status_code == 204
    assert recorded() == [("error", kept)]


def test_only_an_error_keeps_a_code(api_client):
    creative = running_creative()

    api_client.get(event_url(served_token(creative), "start"), {"code": "405"})

    assert recorded() == [("start", "")]


@pytest.mark.parametrize("make", [forged_token, expired_token])
def test_a_bad_token_answers_204_and_records_nothing(api_client, make):
    creative = running_creative()

    response = api_client.get(event_url(make(creative), "complete"))

    assert response.status_code == 204
    assert not TrackingEvent.objects.exists()
