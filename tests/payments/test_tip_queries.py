"""What one tip costs the database: `POST tips/` in a fixed list of statements, on
both databases. Authentication is isolated (`force_authenticate`; a real session token
adds its one lookup) and throttling costs nothing here (the tests' in-memory cache).

The tip's transaction is seven statements. The creator's email follows it: a task
queued on commit, which reads three rows; a Celery worker runs it when a broker is
configured, the request itself when tasks run eagerly (no broker, and these tests)."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.authentication import _session_user_sql
from payments.models import LedgerAccount, Tip
from tests.accounts.factories import UserFactory
from tests.payments.factories import CreatorFactory, balance, system_balance, wallet_fund

# Transactional, as in production: the service's transaction is the outermost one.
pytestmark = pytest.mark.django_db(transaction=True)

Role = LedgerAccount.Role
TIPS_URL = "/api/v1/tips/"
# SQLite's backend logs its BEGIN and COMMIT, PostgreSQL's does not; both log savepoints.
TRANSACTION_CONTROL = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT)")

# The statements of a tip whose accounts exist, in order.
TIP = [
    "SELECT accounts_user",  # the recipient, whom the rule lets the sender pay
    # notifications: does a block stand between the two, and which channels does the
    # creator's preference choose? (one statement; its first table is the blocks')
    "SELECT social_block",
    "INSERT notifications_notification",
    "INSERT payments_ledgertransaction",  # the idempotency key's claim
    "UPDATE payments_ledgeraccount",  # locks wallet, earnings, shard; moves all three
    "INSERT payments_ledgerentry",  # the three entries, with their running balances
    "INSERT payments_tip",
]
# After the commit: the email task (`notifications.tasks.notification_email_send_task`).
EMAIL = ["SELECT accounts_user", "SELECT accounts_user", "SELECT notifications_notification"]
# A session token's one query (`accounts.authentication`: the session, its user and the
# two-factor flag), known by its text up to its first parameter, whatever it reads first.
AUTHENTICATION = "SELECT session and user"


def statement(sql: str) -> str:
    """`SELECT table`, `INSERT table` or `UPDATE table`, from a statement's text (the
    authentication's query: `AUTHENTICATION`)."""
    if sql.startswith(_session_user_sql().partition("%s")[0]):
        return AUTHENTICATION
    verb = sql.split()[0]
    pattern = {"SELECT": r'FROM "(\w+)"', "INSERT": r'INTO "(\w+)"', "UPDATE": r'UPDATE "(\w+)"'}
    return f"{verb} {re.search(pattern[verb], sql).group(1)}"


def split(captured: CaptureQueriesContext) -> tuple[list[str], list[str]]:
    """The data statements (as `statement` names them) and the savepoint statements."""
    sql = [query["sql"] for query in captured.captured_queries]
    savepoints = [text for text in sql if "SAVEPOINT" in text]
    return [statement(text) for text in sql if not TRANSACTION_CONTROL.match(text)], savepoints


@pytest.fixture
def viewer():
    return UserFactory(username="viewer")


@pytest.fixture
def client(viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


@pytest.fixture
def tipped_before(viewer, creator, client):
    """`viewer` has 100 coins and tipped `creator` once: both their accounts and the
    creator's revenue shard exist."""
    wallet_fund(viewer, 100)
    response = client.post(TIPS_URL, {"recipient": "creator", "amount": 10}, format="json")
    assert response.status_code == 201


def test_a_tip_costs_seven_statements(viewer, creator, client, tipped_before, settings):
    settings.PLATFORM_FEE_PERCENT = 30

    with CaptureQueriesContext(connection) as captured:
        response = client.post(TIPS_URL, {"recipient": "creator", "amount": 15}, format="json")

    assert response.status_code == 201
    data, savepoints = split(captured)
    assert data == [*TIP, *EMAIL]
    # One savepoint (SAVEPOINT and RELEASE): the posting's (a notification opens none).
    assert len(savepoints) == 2
    assert response.json()["recipient"]["username"] == "creator"
    assert (response.json()["amount"], response.json()["fee"], response.json()["net"]) == (
        15,
        4,
        11,
    )
    assert (balance(viewer), balance(creator, Role.EARNINGS)) == (75, 7 + 11)
    assert system_balance(Role.PLATFORM_REVENUE) == 3 + 4
    assert Tip.objects.count() == 2


def test_an_idempotency_key_adds_its_claim_and_its_answer_and_a_replay_moves_nothing(
    viewer, client, tipped_before
):
    body = {"recipient": "creator", "amount": 15}

    with CaptureQueriesContext(connection) as captured:
        first = client.post(TIPS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    with CaptureQueriesContext(connection) as replayed:
        again = client.post(TIPS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert split(captured)[0] == [
        "INSERT payments_idempotencyrecord",
        *TIP,
        "UPDATE payments_idempotencyrecord",
        *EMAIL,
    ]
    assert split(replayed)[0] == [
        "INSERT payments_idempotencyrecord",  # refused by the unique key
        "SELECT payments_idempotencyrecord",
    ]
    assert balance(viewer) == 75
    assert Tip.objects.count() == 2


def test_a_session_token_adds_its_one_lookup(make_auth_client, viewer, tipped_before):
    client = make_auth_client(viewer)

    with CaptureQueriesContext(connection) as captured:
        response = client.post(TIPS_URL, {"recipient": "creator", "amount": 15}, format="json")

    assert response.status_code == 201
    assert split(captured)[0] == [AUTHENTICATION, *TIP, *EMAIL]


def test_a_first_tip_creates_the_creators_accounts_on_the_way(viewer, client):
    wallet_fund(viewer, 100)
    CreatorFactory(username="newcomer")
    ContentType.objects.get_for_model(Tip)  # cached by any earlier request

    with CaptureQueriesContext(connection) as captured:
        response = client.post(TIPS_URL, {"recipient": "newcomer", "amount": 15}, format="json")

    assert response.status_code == 201
    # The move finds the earnings and the shard missing: rolled back (no account stays
    # locked), the missing accounts are found and created, then every account is locked
    # and read in one statement, and it posts again.
    assert split(captured)[0] == [
        *TIP[:5],
        "SELECT payments_ledgeraccount",
        "INSERT payments_ledgeraccount",
        "SELECT payments_ledgeraccount",
        *TIP[3:],
        *EMAIL,
    ]


def test_a_refused_tip_writes_nothing(viewer, creator, client, tipped_before):
    response = client.post(TIPS_URL, {"recipient": "creator", "amount": 91}, format="json")

    assert response.status_code == 402
    assert response.json()["errors"][0]["code"] == "insufficient_funds"
    assert (balance(viewer), balance(creator, Role.EARNINGS), Tip.objects.count()) == (90, 7, 1)
