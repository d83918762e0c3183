"""Creatives: adding, editing (back to review) and deleting them, what may be promoted
and where clicks may go; staff's review and the owner's notification; permissions and
list costs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.models import User
from ads.models import Campaign, Click, Creative, Impression
from ads.services.creatives import creative_approve, creative_reject
from ads.serving_cache import serving_version
from notifications.models import Notification
from notifications.texts import notification_text
from tests.accounts.factories import ModeratorFactory, UserFactory
from tests.ads.factories import AdvertiserFactory, CampaignFactory, CreativeFactory
from tests.conftest import error_one, error_status
from tests.videos.factories import VideoFactory
from videos.models import Video

CREATIVES = "/api/v1/ads/creatives/"


def listing(campaign) -> str:
    return f"/api/v1/ads/campaigns/{campaign.pk}/creatives/"


def detail(creative) -> str:
    return f"{CREATIVES}{creative.pk}/"


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@pytest.fixture
def owner(db) -> User:
    return UserFactory(username="owner")


@pytest.fixture
def campaign(owner) -> Campaign:
    return CampaignFactory(advertiser=AdvertiserFactory(owner=owner), name="Spring")


@pytest.fixture
def video(owner) -> Video:
    return VideoFactory(owner=owner, title="Our product")


@pytest.fixture
def creative(campaign, video) -> Creative:
    return CreativeFactory(campaign=campaign, video=video, headline="Buy now")


@pytest.fixture
def clients(make_auth_client, owner) -> dict[str, APIClient]:
    return {
        "anonymous": APIClient(),
        "other": make_auth_client(UserFactory(username="other")),
        "owner": make_auth_client(owner),
        "staff": make_auth_client(ModeratorFactory(username="mod")),
    }


def shape(creative: Creative) -> dict:
    creative.refresh_from_db()
    return {
        "id": str(creative.pk),
        "campaign": str(creative.campaign_id),
        "video": {
            "id": str(creative.video_id),
            "title": creative.video.title,
            "duration_seconds": creative.video.duration_seconds,
        },
        "headline": creative.headline,
        "call_to_action": creative.call_to_action,
        "click_url": creative.click_url,
        "review_status": creative.review_status,
        "rejection_reason": creative.rejection_reason,
        "reviewed_at": iso(creative.reviewed_at),
        "created_at": iso(creative.created_at),
        "updated_at": iso(creative.updated_at),
    }


def body(video, **changes) -> dict:
    return {
        "video": str(video.pk),
        "headline": "Buy now",
        "call_to_action": "Shop",
        "click_url": "https://shop.example.com/spring?utm=ads",
        **changes,
    }


# -- adding --------------------------------------------------------------------------------


def test_the_owner_adds_a_creative_pending_review(clients, campaign, video):
    response = clients["owner"].post(listing(campaign), body(video))

    assert response.status_code == 201
    creative = Creative.objects.get()
    assert response.json() == shape(creative)
    assert (creative.review_status, creative.video, creative.campaign) == (
        "pending",
        video,
        campaign,
    )


@pytest.mark.parametrize(
    "which", ["someone_elses", "private", "unlisted", "processing", "failed", "unknown", "not_uuid"]
)
def test_only_the_owners_public_ready_videos_are_promotable(clients, campaign, owner, which):
    videos = {
        "someone_elses": lambda: VideoFactory(),
        "private": lambda: VideoFactory(owner=owner, visibility=Video.Visibility.PRIVATE),
        "unlisted": lambda: VideoFactory(owner=owner, visibility=Video.Visibility.UNLISTED),
        "processing": lambda: VideoFactory(owner=owner, status=Video.Status.PROCESSING),
        "failed": lambda: VideoFactory(owner=owner, status=Video.Status.FAILED),
    }
    if which == "unknown":
        video_id = "00000000-0000-0000-0000-000000000000"
    elif which == "not_uuid":
        video_id = "nope"
    else:
        video_id = str(videos[which]().pk)

    response = clients["owner"].post(
        listing(campaign), {**body(VideoFactory(owner=owner)), "video": video_id}
    )

    expected = ("invalid", "video") if which == "not_uuid" else ("video_not_promotable", "video")
    assert error_one(response) == expected
    assert not Creative.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://files.example.com/x",
        "example.com/landing",
        "/relative",
        "https://",
        "data:text/html,hi",
        "http://exa mple.com/",
    ],
)
def test_click_urls_are_absolute_http_or_https_only(clients, campaign, video, url):
    assert error_one(clients["owner"].post(listing(campaign), body(video, click_url=url))) == (
        "click_url_invalid",
        "click_url",
    )


@pytest.mark.parametrize("status", ["completed", "exhausted"])
def test_no_creatives_are_added_to_ended_campaigns(clients, campaign, video, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    assert error_status(clients["owner"].post(listing(campaign), body(video))) == (
        409,
        "campaign_not_editable",
    )


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 201)]
)
def test_only_the_owner_adds_creatives(clients, campaign, video, viewer, expected):
    assert clients[viewer].post(listing(campaign), body(video)).status_code == expected


# -- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("owner", 200), ("staff", 200)]
)
def test_only_the_owner_and_staff_read_creatives(clients, creative, viewer, expected):
    response = clients[viewer].get(detail(creative))
    assert response.status_code == expected
    listed = clients[viewer].get(listing(creative.campaign))
    assert listed.status_code == expected
    if expected == 200:
        assert response.json() == shape(creative)
        assert listed.json()["results"] == [shape(creative)]


@pytest.mark.parametrize("viewer", ["owner", "staff"])
def test_the_list_costs_the_same_queries_at_page_sizes_1_and_20(clients, campaign, video, viewer):
    CreativeFactory.create_batch(25, campaign=campaign, video=video)
    counts = []
    for size in (1, 20):
        with CaptureQueriesContext(connection) as captured:
            response = clients[viewer].get(f"{listing(campaign)}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts == [3, 3]  # the session, the campaign, the page


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_ids_are_404(clients, bad_id):
    assert clients["owner"].get(f"{CREATIVES}{bad_id}/").status_code == 404
    assert clients["owner"].get(f"/api/v1/ads/campaigns/{bad_id}/creatives/").status_code == 404


# -- editing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"headline": "New headline"},
        {"call_to_action": "Buy"},
        {"click_url": "http://other.example.com/"},
        "video",
    ],
)
def test_an_edit_of_what_people_see_goes_back_to_review(
    clients, creative, owner, change, django_capture_on_commit_callbacks
):
    if change == "video":
        change = {"video": str(VideoFactory(owner=owner).pk)}
    before = serving_version()

    with django_capture_on_commit_callbacks(execute=True):
        response = clients["owner"].patch(detail(creative), change)

    assert response.status_code == 200
    assert response.json() == shape(creative)
    assert (creative.review_status, creative.reviewed_at, creative.reviewed_by) == (
        "pending",
        None,
        None,
    )
    assert serving_version() == before + 1


def test_an_edit_that_changes_nothing_keeps_the_review(clients, creative):
    response = clients["owner"].patch(detail(creative), {"headline": "Buy now"})
    assert response.status_code == 200
    creative.refresh_from_db()
    assert creative.review_status == "approved"


def test_an_edit_is_checked_as_a_new_creative_is(clients, creative):
    assert error_one(
        clients["owner"].patch(detail(creative), {"click_url": "ftp://x.example"})
    ) == (
        "click_url_invalid",
        "click_url",
    )
    assert error_one(
        clients["owner"].patch(detail(creative), {"video": str(VideoFactory().pk)})
    ) == (
        "video_not_promotable",
        "video",
    )
    creative.refresh_from_db()
    assert creative.review_status == "approved"


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 200)]
)
def test_only_the_owner_edits_creatives(clients, creative, viewer, expected):
    assert clients[viewer].patch(detail(creative), {"headline": "X"}).status_code == expected


# -- deleting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"), [("anonymous", 401), ("other", 404), ("staff", 404), ("owner", 204)]
)
def test_only_the_owner_deletes_creatives(clients, creative, viewer, expected):
    assert clients[viewer].delete(detail(creative)).status_code == expected
    assert Creative.objects.exists() == (expected != 204)


@pytest.mark.parametrize("record", [Impression, Click])
def test_a_served_creative_is_kept(clients, creative, record):
    fields = {"token_id": "t" * 32, "created_at": timezone.now(), "viewer_key": "u1"}
    if record is Click:
        fields["ip_digest"] = "d"
    record.objects.create(creative=creative, campaign=creative.campaign, placement="feed", **fields)
    assert error_status(clients["owner"].delete(detail(creative))) == (409, "creative_was_served")
    assert Creative.objects.exists()


# -- review ---------------------------------------------------------------------------------


def test_staff_approve_and_the_owner_hears_of_it(
    creative, owner, django_capture_on_commit_callbacks
):
    Creative.objects.filter(pk=creative.pk).update(review_status="pending", reviewed_at=None)
    staff = ModeratorFactory()
    before = serving_version()

    with django_capture_on_commit_callbacks(execute=True):
        creative_approve(creative=creative, staff=staff)

    creative.refresh_from_db()
    assert (creative.review_status, creative.reviewed_by, creative.rejection_reason) == (
        "approved",
        staff,
        "",
    )
    assert serving_version() == before + 1
    notification = Notification.objects.get(recipient=owner)
    assert (notification.type, notification.target) == ("ad_creative_reviewed", creative)
    assert (
        notification_text(
            type=notification.type, actor_username=None, actor_count=1, data=notification.data
        )
        == 'Your ad "Buy now" in Spring was approved'
    )


def test_staff_reject_with_a_reason_the_owner_reads(creative, owner):
    staff = ModeratorFactory()

    creative_reject(creative=creative, staff=staff, reason=" Misleading claims ")

    creative.refresh_from_db()
    assert (creative.review_status, creative.rejection_reason, creative.reviewed_by) == (
        "rejected",
        "Misleading claims",
        staff,
    )
    notification = Notification.objects.get(recipient=owner)
    assert (
        notification_text(
            type=notification.type, actor_username=None, actor_count=1, data=notification.data
        )
        == 'Your ad "Buy now" in Spring was rejected: Misleading claims'
    )


def test_a_rejection_needs_a_reason(creative):
    with pytest.raises(ValidationError) as raised:
        creative_reject(creative=creative, staff=ModeratorFactory(), reason="")
    assert raised.value.detail["reason"][0].code == "reason_required"
    creative.refresh_from_db()
    assert creative.review_status == "approved"
    assert not Notification.objects.exists()


def test_the_owner_sees_the_rejection_reason(clients, creative):
    creative_reject(creative=creative, staff=ModeratorFactory(), reason="Blurry")
    data = clients["owner"].get(detail(creative)).json()
    assert (data["review_status"], data["rejection_reason"]) == ("rejected", "Blurry")
