"""Tips: `POST tips/` moves coins from the sender's wallet to the creator's earnings
and the platform's fee; every refusal moves nothing; `GET tips/` lists the caller's."""

import pytest

from accounts.models import User
from notifications.models import Notification, NotificationType
from payments.models import LedgerAccount, LedgerTransaction, Tip
from payments.services.ledger import ledger_account_for_user, ledger_account_system, ledger_post
from tests.accounts.factories import UserFactory
from tests.conftest import error_status
from tests.payments.factories import CreatorFactory, balance, system_balance, wallet_fund
from tests.social.factories import SocialGraph
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
TIPS_URL = "/api/v1/tips/"


@pytest.fixture
def viewer():
    return UserFactory(username="viewer")


@pytest.fixture
def viewer_client(make_auth_client, viewer):
    return make_auth_client(viewer)


def wallet_debt_make(user, coins: int) -> None:
    """Leave `user` owing `coins`, as a refund of spent coins does."""
    ledger_post(
        kind=LedgerTransaction.Kind.REFUND,
        entries=[
            (ledger_account_for_user(user=user, role=Role.DEBT), -coins),
            (ledger_account_system(role=Role.EXTERNAL), coins),
        ],
        idempotency_key=f"test-debt:{user.pk}",
    )


# -- a tip -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fee_percent", "fee"),
    [(30, 4), (15, 2), (0, 0), (100, 15)],  # 15 coins: 4.5 -> 4, 2.25 -> 2 (floor)
)
def test_a_tip_moves_the_coins_less_the_platform_fee_to_the_creator(
    settings, viewer, viewer_client, creator, ledger_is_sound, fee_percent, fee
):
    settings.PLATFORM_FEE_PERCENT = fee_percent
    wallet_fund(viewer, 100)

    response = viewer_client.post(
        TIPS_URL, {"recipient": "creator", "amount": 15, "message": "Great!"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["recipient"]["username"] == "creator"
    assert body["sender"]["username"] == "viewer"
    assert (body["amount"], body["fee"], body["net"]) == (15, fee, 15 - fee)
    assert (body["video"], body["message"]) == (None, "Great!")
    assert balance(viewer) == 85
    assert balance(creator, Role.EARNINGS) == 15 - fee
    assert system_balance(Role.PLATFORM_REVENUE) == fee
    assert system_balance(Role.EXTERNAL) == -100

    tip = Tip.objects.get()
    assert str(tip.pk) == body["id"]
    assert (tip.sender, tip.recipient, tip.amount, tip.fee) == (viewer, creator, 15, fee)
    transaction = tip.ledger_transaction
    assert transaction.kind == LedgerTransaction.Kind.TIP
    assert transaction.idempotency_key == f"tip:{tip.pk}"
    assert transaction.initiator == viewer
    assert transaction.reference == tip
    assert sorted(transaction.entries.values_list("amount", flat=True)) == sorted(
        amount for amount in (-15, 15 - fee, fee) if amount
    )

    notification = Notification.objects.get(recipient=creator)
    assert notification.type == NotificationType.TIP_RECEIVED
    assert (notification.actor, notification.target, notification.data) == (
        viewer,
        tip,
        {"coins": 15},
    )
    ledger_is_sound()


def test_a_tip_for_one_of_the_creators_videos_names_it(viewer, viewer_client, creator):
    wallet_fund(viewer, 10)
    video = VideoFactory(owner=creator)

    response = viewer_client.post(
        TIPS_URL,
        {"recipient": "CREATOR", "amount": 10, "video": str(video.pk)},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["video"] == str(video.pk)
    assert Tip.objects.get().video_id == video.pk
    assert balance(viewer) == 0


def test_tips_to_anyone_when_not_limited_to_creators(settings, viewer, viewer_client):
    settings.TIPS_CREATORS_ONLY = False
    UserFactory(username="newcomer", role=User.Role.USER, video_count=3)
    wallet_fund(viewer, 10)

    response = viewer_client.post(TIPS_URL, {"recipient": "newcomer", "amount": 10}, format="json")

    assert response.status_code == 201


# -- refusals: nothing moves -----------------------------------------------------------


@pytest.fixture
def nothing_moved(viewer, creator):
    """Call after a refused tip: no tip, no transaction but the funding, no notice."""
    wallet_fund(viewer, 50)
    transactions = LedgerTransaction.objects.count()

    def check() -> None:
        assert Tip.objects.count() == 0
        assert LedgerTransaction.objects.count() == transactions
        assert balance(viewer) == 50
        assert balance(creator, Role.EARNINGS) == 0
        assert system_balance(Role.PLATFORM_REVENUE) == 0
        assert not Notification.objects.filter(type=NotificationType.TIP_RECEIVED).exists()

    return check


@pytest.mark.parametrize(
    ("amount", "code"),
    [(0, "min_value"), (-5, "min_value"), (1_000_001, "max_value"), ("ten", "invalid")],
)
def test_an_amount_out_of_range_is_refused(viewer_client, nothing_moved, amount, code):
    response = viewer_client.post(
        TIPS_URL, {"recipient": "creator", "amount": amount}, format="json"
    )

    assert error_status(response) == (400, code)
    assert response.json()["errors"][0]["attr"] == "amount"
    nothing_moved()


def test_a_tip_above_a_lowered_maximum_is_refused(settings, viewer_client, nothing_moved):
    settings.TIP_MAX_COINS = 20

    response = viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 21}, format="json")

    assert error_status(response) == (400, "max_value")
    nothing_moved()


def test_a_message_over_500_characters_is_refused(viewer_client, nothing_moved):
    response = viewer_client.post(
        TIPS_URL, {"recipient": "creator", "amount": 5, "message": "x" * 501}, format="json"
    )

    assert error_status(response) == (400, "max_length")
    nothing_moved()


@pytest.mark.parametrize("status", [User.Status.BANNED, User.Status.DELETED, User.Status.SUSPENDED])
def test_a_recipient_who_may_not_sign_in_is_not_found(
    viewer_client, creator, nothing_moved, status
):
    User.objects.filter(pk=creator.pk).update(status=status)

    response = viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 5}, format="json")

    assert error_status(response) == (404, "not_found")
    nothing_moved()


@pytest.mark.parametrize("name", ["nobody", "x" * 151, "no such name!"])
def test_an_unknown_recipient_is_not_found(viewer_client, nothing_moved, name):
    response = viewer_client.post(TIPS_URL, {"recipient": name, "amount": 5}, format="json")

    assert error_status(response) == (404, "not_found")
    nothing_moved()


@pytest.mark.parametrize("blocker", ["viewer", "creator"])
def test_a_block_either_way_hides_the_recipient(
    viewer, creator, viewer_client, nothing_moved, blocker
):
    if blocker == "viewer":
        SocialGraph().block(viewer, creator)
    else:
        SocialGraph().block(creator, viewer)

    response = viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 5}, format="json")

    assert error_status(response) == (404, "not_found")
    nothing_moved()


def test_tipping_yourself_is_refused(make_auth_client, creator):
    wallet_fund(creator, 50)

    response = make_auth_client(creator).post(
        TIPS_URL, {"recipient": "creator", "amount": 5}, format="json"
    )

    assert error_status(response) == (400, "cannot_tip_self")
    assert Tip.objects.count() == 0
    assert balance(creator) == 50


def test_a_user_without_the_creator_role_cannot_be_tipped_by_default(viewer_client, nothing_moved):
    UserFactory(username="newcomer", role=User.Role.USER, video_count=3)

    response = viewer_client.post(TIPS_URL, {"recipient": "newcomer", "amount": 5}, format="json")

    assert error_status(response) == (400, "recipient_not_creator")
    nothing_moved()


@pytest.mark.parametrize(
    "video_of",
    ["nobody", "private", "subscribers", "someone_else_private", "deleted_id", "not_a_uuid"],
)
def test_a_video_the_sender_may_not_see_is_not_found(
    viewer_client, creator, nothing_moved, video_of
):
    if video_of == "private":
        video = str(VideoFactory(owner=creator, visibility=Video.Visibility.PRIVATE).pk)
    elif video_of == "someone_else_private":
        video = str(VideoFactory(visibility=Video.Visibility.PRIVATE).pk)
    elif video_of == "subscribers":
        video = str(VideoFactory(owner=creator, visibility=Video.Visibility.SUBSCRIBERS).pk)
    elif video_of == "deleted_id":
        video = "00000000-0000-0000-0000-000000000000"
    else:
        video = None
    body = {"recipient": "creator", "amount": 5, "video": video}
    if video_of == "not_a_uuid":
        body["video"] = "abc"

    response = viewer_client.post(TIPS_URL, body, format="json")

    if video_of == "not_a_uuid":
        assert error_status(response) == (400, "invalid")
    elif video_of == "nobody":
        assert response.status_code == 201  # no video named: a plain tip
        return
    else:
        assert error_status(response) == (404, "not_found")
    nothing_moved()


def test_a_video_of_someone_else_is_refused(viewer_client, nothing_moved):
    video = VideoFactory()

    response = viewer_client.post(
        TIPS_URL, {"recipient": "creator", "amount": 5, "video": str(video.pk)}, format="json"
    )

    assert error_status(response) == (400, "video_not_by_recipient")
    nothing_moved()


def test_a_wallet_in_debt_cannot_tip(viewer, viewer_client, creator):
    wallet_fund(viewer, 50)
    wallet_debt_make(viewer, 5)

    response = viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 5}, format="json")

    assert error_status(response) == (402, "wallet_in_debt")
    assert Tip.objects.count() == 0
    assert balance(viewer) == 50
    assert balance(creator, Role.EARNINGS) == 0


def test_more_than_the_wallet_holds_is_refused(viewer, viewer_client, nothing_moved):
    response = viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 51}, format="json")

    assert error_status(response) == (402, "insufficient_funds")
    nothing_moved()


def test_a_first_tip_from_an_empty_wallet_opens_no_account(viewer, viewer_client, creator):
    response = viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 1}, format="json")

    assert error_status(response) == (402, "insufficient_funds")
    assert not LedgerAccount.objects.exists()


def test_tipping_needs_a_signed_in_caller(api_client, creator):
    response = api_client.post(TIPS_URL, {"recipient": "creator", "amount": 5}, format="json")

    assert error_status(response) == (401, "not_authenticated")


# -- idempotency -----------------------------------------------------------------------


def test_a_replayed_tip_with_its_idempotency_key_tips_once(
    viewer, viewer_client, creator, ledger_is_sound
):
    wallet_fund(viewer, 100)
    body = {"recipient": "creator", "amount": 10}

    first = viewer_client.post(TIPS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="tip-1")
    again = viewer_client.post(TIPS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="tip-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Tip.objects.count() == 1
    assert balance(viewer) == 90
    assert balance(creator, Role.EARNINGS) == 7
    assert Notification.objects.filter(type=NotificationType.TIP_RECEIVED).count() == 1
    ledger_is_sound()


def test_an_idempotency_key_reused_with_another_body_is_refused(viewer, viewer_client, creator):
    wallet_fund(viewer, 100)
    viewer_client.post(
        TIPS_URL, {"recipient": "creator", "amount": 10}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    response = viewer_client.post(
        TIPS_URL, {"recipient": "creator", "amount": 11}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert error_status(response) == (422, "idempotency_key_reused")
    assert Tip.objects.count() == 1
    assert balance(viewer) == 90


# -- the caller's tips -----------------------------------------------------------------


def test_the_tip_lists_show_the_callers_own_sent_or_received(
    make_auth_client, viewer, viewer_client, creator
):
    other = CreatorFactory(username="other")
    wallet_fund(viewer, 100)
    wallet_fund(other, 100)
    viewer_client.post(TIPS_URL, {"recipient": "creator", "amount": 1}, format="json")
    viewer_client.post(TIPS_URL, {"recipient": "other", "amount": 2}, format="json")
    make_auth_client(other).post(TIPS_URL, {"recipient": "creator", "amount": 3}, format="json")

    sent = viewer_client.get(TIPS_URL).json()["results"]
    received = make_auth_client(creator).get(TIPS_URL, {"direction": "received"}).json()
    nothing = viewer_client.get(TIPS_URL, {"direction": "received"}).json()["results"]

    assert [tip["amount"] for tip in sent] == [2, 1]
    assert [tip["amount"] for tip in received["results"]] == [3, 1]
    assert [tip["sender"]["username"] for tip in received["results"]] == ["other", "viewer"]
    assert nothing == []


def test_the_tip_list_refuses_an_unknown_direction(viewer_client):
    response = viewer_client.get(TIPS_URL, {"direction": "both"})

    assert error_status(response) == (400, "invalid_choice")


def test_the_tip_list_needs_a_signed_in_caller(api_client):
    assert error_status(api_client.get(TIPS_URL)) == (401, "not_authenticated")


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_tip_list_costs_the_same_queries_at_any_page_size(
    viewer, viewer_client, django_assert_num_queries, page_size
):
    wallet_fund(viewer, 100)
    for _ in range(3):
        for recipient in CreatorFactory.create_batch(8):
            viewer_client.post(
                TIPS_URL, {"recipient": recipient.username, "amount": 1}, format="json"
            )

    with django_assert_num_queries(2):  # authentication, the page with both users joined
        response = viewer_client.get(TIPS_URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
