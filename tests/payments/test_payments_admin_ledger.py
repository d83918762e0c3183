"""The admin of the ledger (accounts, transactions and their entries), payouts (with the
approve and reject actions) and idempotency records: read-only but for the reviews."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from payments.models import IdempotencyRecord, LedgerAccount, LedgerTransaction, Payout
from payments.services.payouts import payout_approve, payout_request
from payments.services.tips import creator_revenue_shard, tip_send
from tests.accounts.factories import UserFactory
from tests.payments.factories import CreatorFactory, balance, system_balance, wallet_fund

pytestmark = pytest.mark.django_db

Role = LedgerAccount.Role
ACCOUNTS = "/admin/payments/ledgeraccount/"
TRANSACTIONS = "/admin/payments/ledgertransaction/"
PAYOUTS = "/admin/payments/payout/"
RECORDS = "/admin/payments/idempotencyrecord/"


@pytest.fixture(autouse=True)
def _money(settings):
    settings.PAYOUT_MINIMUM_COINS = 100
    settings.PLATFORM_FEE_PERCENT = 30


@pytest.fixture
def money(creator):
    """A fan who tipped `creator` 1000 coins (700 earned) and two pending payouts."""
    fan = UserFactory(username="fan")
    wallet_fund(fan, 1000)
    tip_send(sender=fan, recipient=creator, amount=1000)
    return {
        "fan": fan,
        "small": payout_request(creator=creator, amount=100),
        "large": payout_request(creator=creator, amount=500),
    }


def results(response) -> list[str]:
    return [str(row) for row in response.context["cl"].result_list]


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def change_url(base: str, obj) -> str:
    return f"{base}{obj.pk}/change/"


def run_action(client: Client, action: str, objects: list, **form: str):
    return client.post(
        PAYOUTS,
        {"action": action, "_selected_action": [str(obj.pk) for obj in objects], **form},
        follow=True,
    )


# -- ledger accounts ---------------------------------------------------------------------


def test_accounts_list_with_owner_role_and_balance(admin_client, money, creator):
    response = admin_client.get(ACCOUNTS)

    assert response.status_code == 200
    assert sorted(results(response)) == [
        "creator:earnings",
        "fan:wallet",
        "system:external",
        "system:payouts_in_transit",
        f"system:platform_revenue#{creator_revenue_shard(creator=creator)}",
    ]
    html = response.content.decode()
    for header in ("Owner", "Role", "Shard", "Balance"):
        assert header in html


def test_accounts_list_is_headed_by_the_platform_revenue_summed_over_its_shards(
    admin_client, money, creator, settings
):
    settings.PLATFORM_REVENUE_SHARDS = 4
    other = CreatorFactory()
    while creator_revenue_shard(creator=other) == creator_revenue_shard(creator=creator):
        other = CreatorFactory()
    wallet_fund(money["fan"], 100)
    tip_send(sender=money["fan"], recipient=other, amount=100)

    response = admin_client.get(ACCOUNTS)

    assert response.status_code == 200
    assert (response.context["platform_revenue"], response.context["platform_revenue_shards"]) == (
        330,
        2,
    )
    assert "Platform revenue: <strong>330</strong> coins, the sum of its 2 accounts" in (
        response.content.decode()
    )


def test_accounts_are_searched_by_username_and_filtered_by_role(admin_client, money):
    assert results(admin_client.get(ACCOUNTS, {"q": "FAN"})) == ["fan:wallet"]
    assert results(admin_client.get(ACCOUNTS, {"role__exact": "earnings"})) == ["creator:earnings"]


def test_an_account_is_read_only(admin_client, money):
    account = LedgerAccount.objects.get(owner=money["fan"])

    page = admin_client.get(change_url(ACCOUNTS, account))
    posted = admin_client.post(change_url(ACCOUNTS, account), {"balance": 1_000_000})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert admin_client.get(f"{ACCOUNTS}add/").status_code == 403
    assert admin_client.get(f"{ACCOUNTS}{account.pk}/delete/").status_code == 403
    assert balance(money["fan"]) == 0


# -- transactions -----------------------------------------------------------------------


def test_transactions_list_and_show_their_entries_read_only(admin_client, money, creator):
    tip = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.TIP)

    listing = admin_client.get(TRANSACTIONS)
    page = admin_client.get(change_url(TRANSACTIONS, tip))

    assert listing.status_code == 200
    assert len(listing.context["cl"].result_list) == 4  # funding, tip, two payout requests
    assert page.status_code == 200
    inline = page.context["inline_admin_formsets"][0]
    entries = sorted((str(form.original.account), form.original.amount) for form in inline)
    assert entries == [
        ("creator:earnings", 700),
        ("fan:wallet", -1000),
        (f"system:platform_revenue#{creator_revenue_shard(creator=creator)}", 300),
    ]
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "DELETE" not in html  # no delete checkbox on the entries


def test_transactions_cannot_be_added_or_deleted(admin_client, money):
    tip = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.TIP)

    assert admin_client.get(f"{TRANSACTIONS}add/").status_code == 403
    assert admin_client.get(f"{TRANSACTIONS}{tip.pk}/delete/").status_code == 403
    assert admin_client.get(TRANSACTIONS).context["action_form"] is None  # no bulk delete
    assert LedgerTransaction.objects.filter(pk=tip.pk).exists()


# -- payouts --------------------------------------------------------------------------------


def test_payouts_list_with_a_status_filter(admin_client, money, admin_user):
    payout_approve(payout=money["small"], staff=admin_user)

    everything = admin_client.get(PAYOUTS)
    pending = admin_client.get(PAYOUTS, {"status__exact": "pending"})
    page = admin_client.get(change_url(PAYOUTS, money["small"]))

    assert everything.status_code == 200
    assert results(everything) == ["payout 500 coins (pending)", "payout 100 coins (paid)"]
    assert results(pending) == ["payout 500 coins (pending)"]
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    actions = [name for name, _ in everything.context["action_form"].fields["action"].choices]
    assert actions == ["", "approve_selected", "reject_selected"]
    assert admin_client.get(f"{PAYOUTS}{money['small'].pk}/delete/").status_code == 403
    assert admin_client.get(f"{PAYOUTS}add/").status_code == 403


def test_approving_pays_each_pending_payout_and_reports_the_rest(
    admin_client, money, creator, admin_user, ledger_is_sound
):
    payout_approve(payout=money["small"], staff=admin_user)

    response = run_action(admin_client, "approve_selected", [money["small"], money["large"]])

    assert response.status_code == 200
    assert messages_of(response) == [
        ("success", "Approved 1 payout(s)."),
        (
            "warning",
            "Refused: creator (100 coins): Only a pending payout can be approved or rejected.",
        ),
    ]
    money["large"].refresh_from_db()
    assert (money["large"].status, money["large"].reviewed_by) == ("paid", admin_user)
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 0
    assert system_balance(Role.EXTERNAL) == -1000 + 600
    assert Notification.objects.filter(recipient=creator, type="payout_paid").count() == 2
    ledger_is_sound()


def test_rejecting_first_asks_why_and_changes_nothing_yet(admin_client, money):
    response = run_action(admin_client, "reject_selected", [money["small"], money["large"]])

    page = response.content.decode()
    assert response.status_code == 200
    assert "Reject these payouts?" in page
    assert 'name="reason"' in page
    assert page.count('name="_selected_action"') == 2
    assert set(Payout.objects.values_list("status", flat=True)) == {"pending"}


def test_rejecting_gives_the_coins_back(admin_client, money, creator, ledger_is_sound):
    response = run_action(
        admin_client,
        "reject_selected",
        [money["small"], money["large"]],
        apply="1",
        reason="  Bank details missing.  ",
    )

    assert messages_of(response) == [("success", "Rejected 2 payout(s).")]
    assert sorted(Payout.objects.values_list("status", flat=True)) == ["rejected", "rejected"]
    assert set(Payout.objects.values_list("reason", flat=True)) == {"Bank details missing."}
    assert balance(creator, Role.EARNINGS) == 700
    assert system_balance(Role.PAYOUTS_IN_TRANSIT) == 0
    assert Notification.objects.filter(recipient=creator, type="payout_rejected").count() == 2
    ledger_is_sound()


def test_staff_without_the_payout_permission_cannot_review():
    clerk = UserFactory(is_staff=True)
    client = Client()
    client.force_login(clerk)

    assert client.get(PAYOUTS).status_code == 403


# -- idempotency records ---------------------------------------------------------------------


def test_idempotency_records_are_read_only(admin_client, money, creator):
    record = IdempotencyRecord.objects.create(
        user=creator,
        key="key-1",
        request_fingerprint="f" * 64,
        response_status=201,
        response_body={"id": "x"},
        created_at=timezone.now(),
    )

    listing = admin_client.get(RECORDS)
    page = admin_client.get(change_url(RECORDS, record))

    assert (listing.status_code, page.status_code) == (200, 200)
    assert results(listing) == ["key-1"]
    assert results(admin_client.get(RECORDS, {"q": "creator"})) == ["key-1"]
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(f"{RECORDS}{record.pk}/delete/").status_code == 403
    assert admin_client.get(f"{RECORDS}add/").status_code == 403
