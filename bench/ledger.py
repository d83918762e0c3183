"""Ledger throughput and statement latency, on SQLite and PostgreSQL.

Not a test: run it by hand (`make bench-ledger`, or the command below). Each database
is a throwaway one built in a child process (settings are per process) and migrated;
the figures are measured in-process, through the services and Django's test client
(no network):

1. sequential tips: `tip_send` from funded wallets to creators, one after another;
2. contended tips: `--threads` threads at once, each its own funded sender, all tipping
   ONE creator, so every tip locks the same accounts (that creator's earnings and
   one platform-revenue shard); afterwards every balance must be exact and
   `ledger_check` clean;
3. spread tips: one sender tipping `--threads` creators in turn, then `--threads`
   senders at once, each tipping their own creator, each sender a process of its own
   (as a deployment's worker processes; issue 15: payments to different
   creators land on different platform-revenue shards, so they need not wait for each
   other): tips/s of each and their ratio, the goal being 1.5 or more on PostgreSQL;
   balances exact afterwards;
4. renewals: due subscriptions (taken with `subscription_create` a month and a day
   ago) renewed by one `subscriptions_renew` run;
5. statement paging: a user with `--statement-entries` entries on their wallet
   (bulk-inserted with consistent running balances: top-ups and tips in turn), the
   first page of `GET /api/v1/wallet/transactions/` against a page half-way down
   (a real cursor); keyset pagination on the `(account, -id)` index keeps the ratio
   deep/first near 1. Page 1 of a user with a couple of dozen old entries (one of the
   first tippers) is timed too: a statement's cost should depend on neither;
6. `ledger_check` over the whole bench ledger.

Wallets are funded with the tests' `wallet_fund`, so it needs the dev tools
(`make bench-ledger` installs them).

    .venv/bin/python bench/ledger.py --database sqlite --database postgres \
        --postgres-url postgres://postgres@127.0.0.1:5432/postgres
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import throwaway_database  # noqa: E402 - needs ROOT on the path

BATCH = 5_000
CREATORS = 20
TIP_MAX = 100  # tips are 1 to TIP_MAX coins
TOP_UP = 100  # coins of each bulk-inserted top-up (a tip follows each)
TIER_PRICE = 300
LEFTOVER = 1_000  # coins each tipping wallet keeps
REPEAT = 25
PAGE_SIZE = 20
STATEMENT_URL = f"/api/v1/wallet/transactions/?page_size={PAGE_SIZE}"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def users_create(prefix: str, count: int, *, creator: bool = False) -> list:
    """`count` active users (creators when asked) with unusable passwords, in bulk."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password(None)
    role = User.Role.CREATOR if creator else User.Role.USER
    users = [
        User(
            username=f"{prefix}{n}",
            email=f"{prefix}{n}@example.com",
            password=password,
            status=User.Status.ACTIVE,
            role=role,
        )
        for n in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=BATCH)


def balance_of(user, role: str) -> int:
    from payments.services.ledger import ledger_account_for_user

    return ledger_account_for_user(user=user, role=role).balance


def platform_revenue() -> int:
    """The platform's revenue: the sum of its shards (`payments.selectors`)."""
    from payments.selectors.ledger import platform_revenue_balance

    return platform_revenue_balance()


def revenue_shards_of(creators: list) -> int:
    """How many revenue shards payments to `creators` land on (shards are rows: creators
    on one shard wait for each other)."""
    from payments.services.tips import creator_revenue_shard

    return len({creator_revenue_shard(creator=creator) for creator in creators})


def ledger_check() -> str:
    """Run `manage.py ledger_check` (raises on any problem); returns what it said."""
    from django.core.management import call_command

    out = StringIO()
    call_command("ledger_check", stdout=out, stderr=out)
    return out.getvalue().strip()


def emails_forget() -> None:
    from django.core import mail

    mail.outbox = []


def milliseconds(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of `samples` (seconds), in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


# -- 1. sequential tips --------------------------------------------------------------


def tips_sequential(count: int, rng: random.Random) -> tuple[dict, list, list]:
    from payments.services.tips import tip_send
    from tests.payments.factories import wallet_fund

    creators = users_create("creator", CREATORS, creator=True)
    senders = users_create("tipper", max(1, count // 20))
    per_sender = -(-count // len(senders))
    for sender in senders:
        wallet_fund(sender, (per_sender + 1) * TIP_MAX)
    for n, creator in enumerate(creators):  # warm-up: every earnings account exists
        tip_send(sender=senders[n % len(senders)], recipient=creator, amount=1)

    samples = []
    began = time.perf_counter()
    for n in range(count):
        start = time.perf_counter()
        tip_send(
            sender=senders[n % len(senders)],
            recipient=creators[n % CREATORS],
            amount=rng.randint(1, TIP_MAX),
        )
        samples.append(time.perf_counter() - start)
    elapsed = time.perf_counter() - began
    emails_forget()
    median, p95 = milliseconds(samples)
    return {"seq_rate": count / elapsed, "seq_median": median, "seq_p95": p95}, creators, senders


# -- 2. contended tips, 3. spread tips -----------------------------------------------


def tips_at_once(pairs: list, amounts: list[list[int]]) -> tuple[float, list, Counter, dict]:
    """Thread `i` sends tips of `amounts[i]` from `pairs[i][0]` to `pairs[i][1]` (a user,
    or a list of users tipped in turn), all threads released together: (elapsed seconds,
    per-tip seconds, errors, tips done per thread)."""
    from django.db import connection

    started: list[float] = []
    barrier = threading.Barrier(len(pairs), action=lambda: started.append(time.perf_counter()))
    lock = threading.Lock()
    done: dict[int, int] = {}
    samples: list[float] = []
    errors: Counter = Counter()

    def run(index: int) -> None:
        mine, error = [], None
        try:
            barrier.wait()
            mine, error = _tips_send(pairs[index], amounts[index])
        finally:
            connection.close()
            with lock:
                done[index] = len(mine)
                samples.extend(mine)
                if error is not None:
                    errors[error] += 1

    workers = [threading.Thread(target=run, args=(index,)) for index in range(len(pairs))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started[0]
    emails_forget()
    if errors:
        say(f"  tips failed: {dict(errors)}")
    return elapsed, samples, errors, done


def _tips_send(pair: tuple, amounts: list[int]) -> tuple[list[float], str | None]:
    """Send tips of `amounts` from `pair[0]` to `pair[1]` (a user, or a list of users
    tipped in turn): each tip's seconds, and the error that stopped them, if any."""
    from payments.services.tips import tip_send

    sender, recipients = pair
    recipients = _listed(recipients)
    mine: list[float] = []
    try:
        for n, amount in enumerate(amounts):
            start = time.perf_counter()
            tip_send(sender=sender, recipient=recipients[n % len(recipients)], amount=amount)
            mine.append(time.perf_counter() - start)
    except Exception as error:  # counted and reported; the balances say the rest
        return mine, f"{type(error).__name__}: {error}"
    return mine, None


def _sender_process(barrier, answers, index: int, sender_id, recipient_ids, amounts) -> None:
    """One sender of `tips_in_processes`, in a fresh process: Django set up from the
    environment the parent configured, the users read, then the tips once every
    sender is ready."""
    import django

    django.setup()
    from accounts.models import User

    users = User.objects.in_bulk([sender_id, *recipient_ids])
    pair = (users[sender_id], [users[pk] for pk in recipient_ids])
    barrier.wait()
    mine, error = _tips_send(pair, amounts)
    answers.put((index, mine, error))


def tips_in_processes(pairs: list, amounts: list[list[int]]) -> tuple[float, list, Counter, dict]:
    """`tips_at_once`, each sender in a process of its own (as a deployment's senders
    come through separate worker processes): threads of one process share its
    interpreter lock, and would measure that rather than the database."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(pairs) + 1)
    answers = context.Queue()
    workers = [
        context.Process(
            target=_sender_process,
            args=(barrier, answers, index, sender.pk, [user.pk for user in _listed(users)], own),
        )
        for index, ((sender, users), own) in enumerate(zip(pairs, amounts, strict=True))
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    results = [answers.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    done, samples, errors = {}, [], Counter()
    for index, mine, error in results:
        done[index] = len(mine)
        samples.extend(mine)
        if error is not None:
            errors[error] += 1
    emails_forget()
    if errors:
        say(f"  tips failed: {dict(errors)}")
    return elapsed, samples, errors, done


def tips_exact(pairs: list, amounts: list[list[int]], done: dict, before: dict, name: str) -> int:
    """Check that every coin of the tips `done` is accounted for, exactly (wallets,
    earnings, the platform revenue summed over its shards, tip rows); returns how many
    tips went through. `before` holds the balances and counts read before the run."""
    from payments.models import LedgerAccount, Tip
    from payments.services.tips import platform_fee

    Role = LedgerAccount.Role
    problems = []
    earned: Counter = Counter()
    received: Counter = Counter()
    fees = 0
    for index, (sender, recipients) in enumerate(pairs):
        recipients = recipients if isinstance(recipients, list) else [recipients]
        tipped = amounts[index][: done[index]]
        for n, amount in enumerate(tipped):
            recipient = recipients[n % len(recipients)]
            earned[recipient.pk] += amount - platform_fee(amount)
            received[recipient.pk] += 1
            fees += platform_fee(amount)
        expected = before["wallets"][sender.pk] - sum(tipped)
        if balance_of(sender, Role.WALLET) != expected:
            problems.append(f"{sender.username}'s wallet is not {expected}")
    for recipient in {user.pk: user for _, users in pairs for user in _listed(users)}.values():
        expected = before["earnings"][recipient.pk] + earned[recipient.pk]
        if balance_of(recipient, Role.EARNINGS) != expected:
            problems.append(f"{recipient.username}'s earnings are not {expected}")
        expected = before["tips"][recipient.pk] + received[recipient.pk]
        if Tip.objects.filter(recipient=recipient).count() != expected:
            problems.append(f"{recipient.username} did not receive {received[recipient.pk]} tips")
    if platform_revenue() != before["revenue"] + fees:
        problems.append(f"the platform revenue is not {before['revenue'] + fees}")
    if problems:
        raise SystemExit(f"{name}: " + "; ".join(problems))
    tips = sum(done.values())
    say(f"  {name}: {tips:,} tips, balances exact; ledger_check: {ledger_check()}")
    return tips


def _listed(users) -> list:
    return users if isinstance(users, list) else [users]


def tips_before(pairs: list) -> dict:
    """The balances and counts `tips_exact` starts from."""
    from payments.models import LedgerAccount, Tip

    Role = LedgerAccount.Role
    recipients = [user for _, users in pairs for user in _listed(users)]
    return {
        "wallets": {sender.pk: balance_of(sender, Role.WALLET) for sender, _ in pairs},
        "earnings": {user.pk: balance_of(user, Role.EARNINGS) for user in recipients},
        "tips": {user.pk: Tip.objects.filter(recipient=user).count() for user in recipients},
        "revenue": platform_revenue(),
    }


def tips_contended(count: int, threads: int, rng: random.Random) -> dict:
    from payments.services.tips import tip_send
    from tests.payments.factories import wallet_fund

    hot = users_create("hotcreator", 1, creator=True)[0]
    warmer, *senders = users_create("rusher", threads + 1)
    wallet_fund(warmer, TIP_MAX)
    tip_send(sender=warmer, recipient=hot, amount=10)  # a hot creator has earnings already
    per_thread = count // threads
    amounts = [[rng.randint(1, TIP_MAX) for _ in range(per_thread)] for _ in senders]
    for sender, own in zip(senders, amounts, strict=True):
        wallet_fund(sender, sum(own) + LEFTOVER)
    pairs = [(sender, hot) for sender in senders]
    before = tips_before(pairs)
    elapsed, samples, errors, done = tips_at_once(pairs, amounts)
    tipped = tips_exact(pairs, amounts, done, before, "contended tips")
    median, p95 = milliseconds(samples)
    return {
        "hot_rate": tipped / elapsed,
        "hot_median": median,
        "hot_p95": p95,
        "hot_errors": sum(errors.values()),
    }


def tips_spread(count: int, threads: int, rng: random.Random) -> dict:
    """One sender tipping `threads` creators in turn, then `threads` senders at once,
    each tipping their own creator: `count` tips each way. Payments to different
    creators should not wait for each other (the platform's fees go to revenue shards
    chosen by the creator), so the second run should be the faster."""
    from payments.services.tips import tip_send
    from tests.payments.factories import wallet_fund

    creators = users_create("spreadcreator", threads, creator=True)
    lone, warmer, *senders = users_create("spreader", threads + 2)
    wallet_fund(warmer, threads * TIP_MAX)
    for creator in creators:  # every creator has earnings already, every shard its row
        tip_send(sender=warmer, recipient=creator, amount=TIP_MAX)
    alone = [[rng.randint(1, TIP_MAX) for _ in range(count)]]
    wallet_fund(lone, sum(alone[0]) + LEFTOVER)
    per_thread = count // threads
    amounts = [[rng.randint(1, TIP_MAX) for _ in range(per_thread)] for _ in senders]
    for sender, own in zip(senders, amounts, strict=True):
        wallet_fund(sender, sum(own) + LEFTOVER)

    pairs = [(lone, creators)]
    before = tips_before(pairs)
    elapsed, samples, errors_alone, done = tips_in_processes(pairs, alone)
    tipped = tips_exact(pairs, alone, done, before, "one sender, spread")
    one_rate = tipped / elapsed
    one_median, _ = milliseconds(samples)

    pairs = list(zip(senders, creators, strict=True))
    before = tips_before(pairs)
    elapsed, samples, errors, done = tips_in_processes(pairs, amounts)
    tipped = tips_exact(pairs, amounts, done, before, f"{threads} senders, spread")
    median, p95 = milliseconds(samples)
    return {
        "spread_one_rate": one_rate,
        "spread_one_median": one_median,
        "spread_rate": tipped / elapsed,
        "spread_median": median,
        "spread_p95": p95,
        "spread_errors": sum(errors.values()) + sum(errors_alone.values()),
        "spread_shards": revenue_shards_of(creators),
    }


# -- 4. renewals ---------------------------------------------------------------------


def renewals(count: int) -> dict:
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from payments.services.subscriptions import (
        subscription_create,
        subscriptions_renew,
        tier_create,
    )
    from tests.payments.factories import wallet_fund

    creators = users_create("tiercreator", CREATORS, creator=True)
    tiers = [tier_create(creator=creator, name="Bench", price=TIER_PRICE) for creator in creators]
    subscribers = users_create("subscriber", -(-count // CREATORS))
    for subscriber in subscribers:
        wallet_fund(subscriber, 2 * CREATORS * TIER_PRICE)
    now = timezone.now()
    anchor = now - relativedelta(months=1, days=1)
    began = time.perf_counter()
    for n in range(count):
        subscription_create(
            subscriber=subscribers[n // CREATORS], tier=tiers[n % CREATORS], now=anchor
        )
    created = time.perf_counter() - began
    emails_forget()

    began = time.perf_counter()
    summary = subscriptions_renew(now=now)
    elapsed = time.perf_counter() - began
    emails_forget()
    if (summary.renewed, summary.past_due, summary.expired, summary.canceled) != (count, 0, 0, 0):
        raise SystemExit(f"Renewals: expected {count} renewed, got {summary}.")
    return {"subscribe_rate": count / created, "renew_rate": count / elapsed}


# -- 5. statement paging -------------------------------------------------------------


def statement_seed(count: int, creators: list, rng: random.Random):
    """A new user with `count` entries on their wallet, inserted in bulk: a top-up of
    `TOP_UP` coins, then a tip of 1 to `TIP_MAX` coins to one of `creators`, in turn,
    with every leg's running balance right and the cached balances set to match."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, Tip
    from payments.services.ledger import ledger_account_for_user, ledger_account_system
    from payments.services.tips import platform_fee

    Role = LedgerAccount.Role
    Kind = LedgerTransaction.Kind
    user = users_create("statement", 1)[0]
    wallet = ledger_account_for_user(user=user, role=Role.WALLET)
    external = ledger_account_system(role=Role.EXTERNAL)
    revenue = ledger_account_system(role=Role.PLATFORM_REVENUE)
    earnings = [ledger_account_for_user(user=creator, role=Role.EARNINGS) for creator in creators]
    accounts = [wallet, external, revenue, *earnings]
    balances = dict(
        LedgerAccount.objects.filter(pk__in=[account.pk for account in accounts]).values_list(
            "pk", "balance"
        )
    )
    tip_type = ContentType.objects.get_for_model(Tip)
    made = 0
    while made < count:
        ledger_transactions, tips, entries = [], [], []

        def leg(ledger_transaction, account, amount, entries=entries):
            balances[account.pk] += amount
            entries.append(
                LedgerEntry(
                    transaction=ledger_transaction,
                    account=account,
                    owner_id=account.owner_id,
                    book=account.book,
                    amount=amount,
                    balance_after=balances[account.pk],
                )
            )

        for n in range(made, min(count, made + BATCH)):
            if n % 2 == 0:
                ledger_transaction = LedgerTransaction(
                    id=uuid.uuid4(),
                    kind=Kind.TOP_UP,
                    idempotency_key=f"bench-top-up:{n}",
                    description="Bench top-up",
                )
                leg(ledger_transaction, external, -TOP_UP)
                leg(ledger_transaction, wallet, TOP_UP)
            else:
                creator_index = rng.randrange(len(creators))
                amount, tip_id = rng.randint(1, TIP_MAX), uuid.uuid4()
                fee = platform_fee(amount)
                ledger_transaction = LedgerTransaction(
                    id=uuid.uuid4(),
                    kind=Kind.TIP,
                    initiator=user,
                    idempotency_key=f"tip:{tip_id}",
                    reference_type=tip_type,
                    reference_id=tip_id,
                    description=f"Tip to {creators[creator_index].username}",
                    metadata={"fee": fee},
                )
                tips.append(
                    Tip(
                        id=tip_id,
                        sender=user,
                        recipient=creators[creator_index],
                        amount=amount,
                        fee=fee,
                        ledger_transaction=ledger_transaction,
                    )
                )
                leg(ledger_transaction, wallet, -amount)
                leg(ledger_transaction, earnings[creator_index], amount - fee)
                if fee:
                    leg(ledger_transaction, revenue, fee)
            ledger_transactions.append(ledger_transaction)
        with transaction.atomic():
            LedgerTransaction.objects.bulk_create(ledger_transactions)
            Tip.objects.bulk_create(tips)
            LedgerEntry.objects.bulk_create(entries)
        made += len(ledger_transactions)
        print(f"  seeded {made:,}/{count:,} wallet entries", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    for pk, balance in balances.items():
        LedgerAccount.objects.filter(pk=pk).update(balance=balance)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, wallet


def client_for(user):
    """A test client signed in as `user` through a real session."""
    from django.test import Client

    from accounts.services.sessions import ClientInfo, session_start

    _, tokens = session_start(user=user, client=ClientInfo())
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.access_token}")


def timed(client, url: str) -> float:
    """The median time of `REPEAT` requests, in milliseconds, after a warm-up."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        assert response.json()["results"], url
    samples = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def deep_cursor(wallet, depth: int, client) -> str:
    """A real cursor to the page after entry `depth` of `wallet`'s statement, shaped
    like the `next` link the API hands out (checked against page 1's)."""
    from django.core import signing

    from core.pagination import CURSOR_SALT
    from payments.models import LedgerEntry

    next_link = client.get(STATEMENT_URL).json()["next"]
    handed_out = signing.loads(parse_qs(urlparse(next_link).query)["cursor"][0], salt=CURSOR_SALT)
    entry_id = (
        LedgerEntry.objects.filter(account=wallet).order_by("-id").values_list("id", flat=True)
    )[depth]
    payload = {"o": handed_out["o"], "p": [str(entry_id)], "b": False}
    if handed_out["o"] != ["-id"] or len(handed_out["p"]) != 1:
        raise SystemExit(f"The statement's cursors changed shape: {handed_out}")
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def statement_paging(count: int, creators: list, small_user, rng: random.Random) -> dict:
    from payments.models import LedgerEntry

    say(f"  seeding a statement of {count:,} entries")
    began = time.perf_counter()
    user, wallet = statement_seed(count, creators, rng)
    say(f"  seeded in {time.perf_counter() - began:.0f} s")
    client = client_for(user)
    first = timed(client, STATEMENT_URL)
    cursor = deep_cursor(wallet, count // 2, client)
    deep = timed(client, f"{STATEMENT_URL}&cursor={cursor}")
    small = timed(client_for(small_user), STATEMENT_URL)
    small_entries = LedgerEntry.objects.filter(account__owner=small_user).count()
    return {
        "page_first": first,
        "page_deep": deep,
        "page_small": small,
        "small_entries": small_entries,
    }


# -- the run -------------------------------------------------------------------------


def measure(options: dict) -> dict:
    from payments.models import LedgerEntry, LedgerTransaction

    rng = random.Random(42)
    results = {}
    say(f"  {options['tips']:,} sequential tips")
    figures, creators, senders = tips_sequential(options["tips"], rng)
    results.update(figures)
    say(f"  {options['tips']:,} contended tips on {options['threads']} threads")
    results.update(tips_contended(options["tips"], options["threads"], rng))
    say(f"  {options['tips']:,} tips by one sender, then by {options['threads']} senders at once")
    results.update(tips_spread(options["tips"], options["threads"], rng))
    say(f"  {options['renewals']:,} subscriptions, then one renewal run")
    results.update(renewals(options["renewals"]))
    results.update(statement_paging(options["statement_entries"], creators, senders[0], rng))

    entries = LedgerEntry.objects.count()
    began = time.perf_counter()
    said = ledger_check()
    results["check_seconds"] = time.perf_counter() - began
    results["check_entries"] = entries
    results["check_transactions"] = LedgerTransaction.objects.count()
    say(f"  ledger_check over {entries:,} entries: {said}")
    return results


def child(database: str, options: dict) -> None:
    """Build a throwaway database, measure it, print the figures as JSON, remove it."""
    began = time.perf_counter()
    # Tips and subscriptions email the creator (eagerly, in-process): keep the emails
    # in memory rather than on the console, whose output is the child's answer.
    with throwaway_database(
        database,
        postgres_url=options["postgres_url"],
        name=f"bench_ledger_{os.getpid()}",
        EMAIL_URL="memorymail://",
    ):
        results = measure(options)
        results["run_seconds"] = time.perf_counter() - began
        print(json.dumps(results))


def run_one(database: str, options: dict) -> dict:
    """Build, fill and measure one database in a child process."""
    import subprocess

    args = [sys.executable, __file__, "--child", database, json.dumps(options)]
    output = subprocess.run(args, check=False, stdout=subprocess.PIPE, text=True)  # noqa: S603
    if output.returncode != 0:
        raise SystemExit(f"The {database} run failed (see above).")
    return json.loads(output.stdout.splitlines()[-1])


def table(options: dict, results: dict[str, dict]) -> None:
    tips, threads = options["tips"], options["threads"]
    entries, renewed = options["statement_entries"], options["renewals"]
    rows = [
        (f"sequential tips ({tips:,}): tips/s", "seq_rate", "{:.0f}"),
        ("sequential tips: median ms per tip", "seq_median", "{:.1f}"),
        ("sequential tips: p95 ms per tip", "seq_p95", "{:.1f}"),
        (f"contended tips ({threads} threads, one creator): tips/s", "hot_rate", "{:.0f}"),
        ("contended tips: median ms per tip", "hot_median", "{:.1f}"),
        ("contended tips: p95 ms per tip", "hot_p95", "{:.1f}"),
        ("contended tips: failed", "hot_errors", "{:d}"),
        (
            f"spread tips ({tips:,}), one sender to {threads} creators: tips/s",
            "spread_one_rate",
            "{:.0f}",
        ),
        ("spread tips, one sender: median ms per tip", "spread_one_median", "{:.1f}"),
        (
            f"spread tips ({tips:,}), {threads} senders to {threads} creators: tips/s",
            "spread_rate",
            "{:.0f}",
        ),
        (f"spread tips, {threads} senders: median ms per tip", "spread_median", "{:.1f}"),
        (f"spread tips, {threads} senders: p95 ms per tip", "spread_p95", "{:.1f}"),
        (
            f"spread tips: {threads} senders / one sender (goal >= 1.5 on PostgreSQL)",
            "spread_ratio",
            "{:.2f}",
        ),
        ("spread tips: revenue shards the creators land on", "spread_shards", "{:d}"),
        ("spread tips: failed", "spread_errors", "{:d}"),
        (f"subscription_create ({renewed:,}, setup): per s", "subscribe_rate", "{:.0f}"),
        (f"subscriptions_renew ({renewed:,} due): renewals/s", "renew_rate", "{:.0f}"),
        (f"statement, {entries:,} entries: page 1 (ms)", "page_first", "{:.1f}"),
        (f"statement, {entries:,} entries: page half-way (ms)", "page_deep", "{:.1f}"),
        ("statement: half-way / page 1", "page_ratio", "{:.2f}"),
        ("statement, user with {small} old entries: page 1 (ms)", "page_small", "{:.1f}"),
        ("ledger_check over {entries_all} entries (s)", "check_seconds", "{:.2f}"),
        ("whole run (s)", "run_seconds", "{:.0f}"),
    ]
    databases = list(results)
    print("| measure | " + " | ".join(databases) + " |")
    print("| --- |" + " ---: |" * len(databases))
    first = results[databases[0]]
    for label, key, shape in rows:
        label = label.format(
            small=first["small_entries"], entries_all=f"{first['check_entries']:,}"
        )
        cells = []
        for database in databases:
            figures = results[database]
            ratios = {
                "page_ratio": figures["page_deep"] / figures["page_first"],
                "spread_ratio": figures["spread_rate"] / figures["spread_one_rate"],
            }
            value = ratios[key] if key in ratios else figures[key]
            cells.append(shape.format(value))
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--tips", type=int, default=2_000, help="tips in each tip scenario")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--renewals", type=int, default=2_000)
    parser.add_argument("--statement-entries", type=int, default=100_000)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    options = vars(parser.parse_args())
    databases = options.pop("database") or ["sqlite", "postgres"]
    results = {}
    for database in databases:
        say(f"{database}:")
        results[database] = run_one(database, options)
        say(f"{database}: done in {results[database]['run_seconds']:.0f} s")
    table(options, results)


if __name__ == "__main__":
    main()
