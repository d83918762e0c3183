"""The ads admin: staff review creatives (pending first; approve; reject with a
reason), suspend and reinstate advertisers (with a reason), see campaigns with their
spend, and read the invalid-click log; nothing is edited by hand."""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from ads.models import Advertiser, Campaign, Click, Creative
from notifications.models import Notification
from tests.ads.factories import AdvertiserFactory, CampaignFactory, CreativeFactory

CREATIVES_ADMIN = "/admin/ads/creative/"
ADVERTISERS_ADMIN = "/admin/ads/advertiser/"
CAMPAIGNS_ADMIN = "/admin/ads/campaign/"
CLICKS_ADMIN = "/admin/ads/click/"


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_the_review_queue_lists_pending_creatives_first(admin_client, db):
    approved = CreativeFactory(headline="Approved one")
    pending_old = CreativeFactory(headline="Pending old", review_status="pending")
    rejected = CreativeFactory(headline="Rejected one", review_status="rejected")
    pending_new = CreativeFactory(headline="Pending new", review_status="pending")

    response = admin_client.get(CREATIVES_ADMIN)

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows[:2] == [pending_old, pending_new]
    assert set(rows[2:]) == {approved, rejected}


def test_staff_approve_creatives(admin_client, admin_user, db):
    creative = CreativeFactory(review_status="pending", reviewed_at=None)

    response = admin_client.post(
        CREATIVES_ADMIN,
        {"action": "approve", "_selected_action": [str(creative.pk)]},
        follow=True,
    )

    assert messages_of(response) == [("success", "Approved 1 creative(s).")]
    creative.refresh_from_db()
    assert (creative.review_status, creative.reviewed_by) == ("approved", admin_user)
    assert Notification.objects.get().recipient == creative.campaign.advertiser.owner


def test_the_admin_asks_why_before_rejecting(admin_client, db):
    creative = CreativeFactory(review_status="pending")

    response = admin_client.post(
        CREATIVES_ADMIN, {"action": "reject", "_selected_action": [str(creative.pk)]}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Reject these creatives?" in page
    assert 'name="reason"' in page
    creative.refresh_from_db()
    assert creative.review_status == "pending"


def test_staff_reject_creatives_with_a_reason(admin_client, db):
    creative = CreativeFactory(review_status="pending")

    response = admin_client.post(
        CREATIVES_ADMIN,
        {
            "action": "reject",
            "_selected_action": [str(creative.pk)],
            "apply": "1",
            "reason": "Misleading",
        },
        follow=True,
    )

    assert messages_of(response) == [("success", "Rejected 1 creative(s).")]
    creative.refresh_from_db()
    assert (creative.review_status, creative.rejection_reason) == ("rejected", "Misleading")


def test_a_rejection_without_a_reason_does_nothing(admin_client, db):
    creative = CreativeFactory(review_status="pending")

    response = admin_client.post(
        CREATIVES_ADMIN,
        {"action": "reject", "_selected_action": [str(creative.pk)], "apply": "1", "reason": ""},
        follow=True,
    )

    assert messages_of(response) == [("error", "Nothing done: say why.")]
    creative.refresh_from_db()
    assert creative.review_status == "pending"


def test_creatives_are_not_edited_by_hand(admin_client, db):
    creative = CreativeFactory()
    assert admin_client.get(f"{CREATIVES_ADMIN}add/").status_code == 403
    assert admin_client.get(f"{CREATIVES_ADMIN}{creative.pk}/delete/").status_code == 403
    page = admin_client.get(f"{CREATIVES_ADMIN}{creative.pk}/change/")
    assert page.status_code == 200
    assert (
        admin_client.post(f"{CREATIVES_ADMIN}{creative.pk}/change/", {"headline": "x"}).status_code
        == 403
    )


def test_staff_suspend_advertisers_with_a_reason_and_reinstate_them(admin_client, db):
    advertiser = AdvertiserFactory(name="Shady")

    asked = admin_client.post(
        ADVERTISERS_ADMIN, {"action": "suspend", "_selected_action": [str(advertiser.pk)]}
    )
    assert "Suspend these advertisers?" in asked.content.decode()
    response = admin_client.post(
        ADVERTISERS_ADMIN,
        {
            "action": "suspend",
            "_selected_action": [str(advertiser.pk)],
            "apply": "1",
            "reason": "Fraud",
        },
        follow=True,
    )

    assert messages_of(response) == [("success", "Suspended 1 advertiser(s).")]
    advertiser.refresh_from_db()
    assert (advertiser.status, advertiser.suspended_reason) == ("suspended", "Fraud")

    response = admin_client.post(
        ADVERTISERS_ADMIN,
        {"action": "reinstate", "_selected_action": [str(advertiser.pk)]},
        follow=True,
    )
    assert messages_of(response) == [("success", "Reinstated 1 advertiser(s).")]
    advertiser.refresh_from_db()
    assert (advertiser.status, advertiser.suspended_reason) == (Advertiser.Status.ACTIVE, "")


def test_advertisers_are_not_edited_by_hand(admin_client, db):
    advertiser = AdvertiserFactory()
    assert admin_client.get(f"{ADVERTISERS_ADMIN}add/").status_code == 403
    assert admin_client.get(f"{ADVERTISERS_ADMIN}{advertiser.pk}/delete/").status_code == 403
    assert admin_client.get(f"{ADVERTISERS_ADMIN}{advertiser.pk}/change/").status_code == 200


def test_campaigns_show_their_spend(admin_client, db):
    campaign = CampaignFactory(name="Spring")
    Campaign.objects.filter(pk=campaign.pk).update(
        spent_micro=12_345_678, settled_micro=12_000_000, impression_count=6_172
    )

    response = admin_client.get(CAMPAIGNS_ADMIN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Spring" in page
    assert "12.345678" in page
    assert "12.000000" in page
    assert admin_client.get(f"{CAMPAIGNS_ADMIN}{campaign.pk}/change/").status_code == 200
    assert admin_client.get(f"{CAMPAIGNS_ADMIN}add/").status_code == 403


@pytest.mark.parametrize("url", [CREATIVES_ADMIN, ADVERTISERS_ADMIN, CAMPAIGNS_ADMIN, CLICKS_ADMIN])
def test_each_changelist_answers(admin_client, db, url):
    CreativeFactory()
    assert admin_client.get(url).status_code == 200


def test_the_invalid_click_log_shows_only_invalid_clicks(admin_client, db):
    creative = CreativeFactory()
    common = {
        "creative": creative,
        "campaign": creative.campaign,
        "placement": "feed",
        "viewer_key": "v",
        "ip_digest": "d",
        "created_at": timezone.now(),
    }
    Click.objects.create(token_id="a" * 32, **common)
    invalid = Click.objects.create(
        token_id="b" * 32, is_valid=False, invalid_reason="duplicate", **common
    )

    response = admin_client.get(CLICKS_ADMIN)

    assert list(response.context["cl"].result_list) == [invalid]
    assert admin_client.get(f"{CLICKS_ADMIN}{invalid.pk}/delete/").status_code == 403
    assert Creative.objects.count() == 1
