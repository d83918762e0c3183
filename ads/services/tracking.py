"""Counting and billing what serving handed out: impressions, clicks and player tracking
events, each recorded once, and the reservation of what a billable one costs.

A billable event (a CPM impression, a valid CPC click) is billed at the price its
token carries (the campaign's pricing and bid when the ad was served), and reserves
its cost in the
transaction that records it, with two conditional updates, campaign first, then
advertiser (the lock order): the campaign's takes the cost only while the campaign is
active and running and the cost fits its total and its day's budget (moving its
counter with it); the advertiser's only while its `spendable_micro` covers it. Either
refusing rolls both back: the event is then recorded (once) with cost 0, and when the
refusal was the total budget or the advertiser's balance the campaign becomes
`exhausted` at once. Nothing here touches the ledger: `ads_settle` moves the reserved
coins in batches (services/settlement.py).

`impression_count` counts every recorded impression of a campaign (billed or not);
`click_count` every valid click.
"""

import contextlib
import functools
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from psycopg import errors as psycopg_errors
from rest_framework.exceptions import NotFound

from ads.exceptions import AD_TOKEN_EXPIRED, AD_TOKEN_INVALID
from ads.models import (
    MICROS_PER_COIN,
    Advertiser,
    Campaign,
    Click,
    Creative,
    Impression,
    TrackingEvent,
)
from ads.serving_cache import serving_snapshot_invalidate
from ads.tokens import AdToken, AdTokenExpired, AdTokenInvalid, ad_token_read
from core.locks import rows_lock

invalid_traffic_log = logging.getLogger("ads.invalid_traffic")

ADDRESS_DIGEST_SALT = "ads.click-address"
ERROR_CODE_MAX_LENGTH = 8


class _Refused(Exception):
    """A reservation was refused: the transaction that recorded the event rolls back."""


@dataclass(frozen=True)
class _Pricing:
    """What the campaign of a served ad charges, read once per event."""

    advertiser_id: object
    pricing: str
    bid_millicoins: int

    @property
    def impression_cost(self) -> int:
        """Micro-coins: a CPM bid is per thousand impressions, in thousandths of a coin."""
        return self.bid_millicoins if self.pricing == Campaign.Pricing.CPM else 0

    @property
    def click_cost(self) -> int:
        return self.bid_millicoins * 1_000 if self.pricing == Campaign.Pricing.CPC else 0


def ad_ticket_read(*, token: str, now: datetime) -> AdToken:
    """What a served ad's token says; `ad_token_invalid` or `ad_token_expired` (400)."""
    try:
        return ad_token_read(token, now=now.timestamp())
    except AdTokenExpired:
        raise AD_TOKEN_EXPIRED.error() from None
    except AdTokenInvalid:
        raise AD_TOKEN_INVALID.error() from None


def _ad_gone() -> NotFound:
    return NotFound("The ad this token was served for no longer exists.")


def _pricing(ticket: AdToken) -> _Pricing:
    """The price the ad was served at (its token says): events are billed at it."""
    return _Pricing(ticket.advertiser_id, ticket.pricing, ticket.bid_millicoins)


class _Gone(Exception):
    """The event's campaign no longer exists: nothing is recorded."""


def _utc_day(now: datetime) -> date:
    return now.astimezone(UTC).date()


# -- the reservation -------------------------------------------------------------------


@functools.cache
def _reserve_updates(counter: str) -> tuple[str, str]:
    """The reservation's two conditional updates as plain SQL, written once per process
    from the models' names: the campaign's (moving `counter` too; parameters: see
    `_reserve_parameters`), then the advertiser's (cost, advertiser id, cost). Every
    billable event runs them, and the ORM took longer to build and compile them than
    the database took to apply them."""
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    spent, today_spent, day = (
        column(Campaign, name) for name in ("spent_micro", "spent_today_micro", "spend_day")
    )
    total, daily = column(Campaign, "total_budget"), column(Campaign, "daily_budget")
    moved = column(Campaign, counter)
    spendable = column(Advertiser, "spendable_micro")
    campaign = (
        f"UPDATE {quote(Campaign._meta.db_table)} SET "  # noqa: S608 - names from the models
        f"{spent} = {spent} + %s, "
        f"{today_spent} = CASE WHEN {day} = %s THEN {today_spent} + %s ELSE %s END, "
        f"{day} = %s, {moved} = {moved} + 1 "
        f"WHERE {column(Campaign, 'id')} = %s AND {column(Campaign, 'status')} = %s "
        f"AND {column(Campaign, 'start_at')} <= %s "
        f"AND ({column(Campaign, 'end_at')} IS NULL OR {column(Campaign, 'end_at')} > %s) "
        f"AND {spent} <= {total} * {MICROS_PER_COIN} - %s "
        f"AND (({day} = %s AND {today_spent} <= {daily} * {MICROS_PER_COIN} - %s) "
        f"OR (({day} IS NULL OR {day} <> %s) AND {daily} >= %s))"
    )
    advertiser = (
        f"UPDATE {quote(Advertiser._meta.db_table)} SET "  # noqa: S608 - names from the models
        f"{spendable} = {spendable} - %s "
        f"WHERE {column(Advertiser, 'id')} = %s AND {spendable} >= %s"
    )
    return campaign, advertiser


@functools.cache
def _reserve_sql(counter: str) -> tuple[str, ...]:
    """The reservation's statements: on PostgreSQL one (a data-modifying `WITH`, which
    SQLite lacks), whose advertiser's update reads the campaign's (`FROM taken`), so it
    runs only if that one took the cost, and after it: the campaign's row is locked
    first, as everywhere; on SQLite the two updates in turn."""
    campaign, advertiser = _reserve_updates(counter)
    if connection.vendor == "postgresql":
        return (f"WITH taken AS ({campaign} RETURNING 1) {_paid(advertiser)}",)
    return campaign, advertiser


def _paid(advertiser_update: str) -> str:
    """The advertiser's update of a PostgreSQL reservation: only after the campaign's
    update (the `taken` query before it) took the cost."""
    return advertiser_update.replace(" WHERE ", " FROM taken WHERE ", 1)


def _reserve_parameters(*, pricing: _Pricing, campaign_id, cost: int, now: datetime) -> list:
    """The parameters of `_reserve_updates`' two updates, the campaign's then the
    advertiser's (the last `ADVERTISER_PARAMETERS`), in one list."""
    ops = connection.ops
    today = ops.adapt_datefield_value(_utc_day(now))
    moment = ops.adapt_datetimefield_value(now)
    whole_coins = -(-cost // MICROS_PER_COIN)  # what a fresh day's budget must cover
    return [
        cost, today, cost, cost, today,
        Campaign._meta.pk.get_db_prep_value(campaign_id, connection),
        Campaign.Status.ACTIVE.value, moment, moment,
        cost,
        today, cost,
        today, whole_coins,
        cost, Advertiser._meta.pk.get_db_prep_value(pricing.advertiser_id, connection), cost,
    ]  # fmt: skip


ADVERTISER_PARAMETERS = 3


def _reserve(*, pricing: _Pricing, campaign_id, cost: int, counter: str, now: datetime) -> None:
    """Take `cost` micro-coins from the campaign's budgets and the advertiser's spendable
    coins, and move the campaign's `counter`; `_Refused` when either update refuses
    (the caller's transaction must then roll back). Locks the campaign's row, then the
    advertiser's.

    The campaign's update takes the cost only while the campaign is active and running
    (started, not ended) and the cost fits its total budget and its day's: the day's
    spend so far when `spend_day` is today, else the whole daily budget (the first
    event of a UTC day starts the day's count again)."""
    values = _reserve_parameters(pricing=pricing, campaign_id=campaign_id, cost=cost, now=now)
    statements = _reserve_sql(counter)
    if len(statements) == 1:  # both updates in one (PostgreSQL)
        parameters = (values,)
    else:
        parameters = (values[:-ADVERTISER_PARAMETERS], values[-ADVERTISER_PARAMETERS:])
    with connection.cursor() as cursor:
        for sql, statement_values in zip(statements, parameters, strict=True):
            cursor.execute(sql, statement_values)
            if cursor.rowcount != 1:
                raise _Refused()


def _exhaust_if_spent(*, campaign_id, cost: int, now: datetime) -> bool:
    """After a refused reservation: mark the campaign `exhausted` (and tell serving) when
    what refused it was its total budget or its advertiser's balance, not its day's
    budget or its status. Whether it was is read again (a concurrent top-up may have
    come in since)."""
    campaign = (
        Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.ACTIVE)
        .values_list("spent_micro", "total_budget", "advertiser__spendable_micro")
        .first()
    )
    if campaign is None:
        return False
    spent, total_budget, spendable = campaign
    if spent + cost <= total_budget * MICROS_PER_COIN and spendable >= cost:
        return False
    exhausted = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.ACTIVE).update(
        status=Campaign.Status.EXHAUSTED, updated_at=now
    )
    if exhausted:
        serving_snapshot_invalidate()
    return bool(exhausted)


# -- impressions -----------------------------------------------------------------------


def _served(ticket: AdToken, *, cost: int, now: datetime) -> dict:
    """What an impression and a click record alike: the served ad its token names."""
    return {
        "token_id": ticket.token_id,
        "creative_id": ticket.creative_id,
        "campaign_id": ticket.campaign_id,
        "placement": ticket.placement,
        "user_id": ticket.user_id,
        "viewer_key": ticket.viewer_key,
        "country": ticket.country,
        "device": ticket.device,
        "cost_micro": cost,
        "created_at": now,
    }


def _impression(ticket: AdToken, *, cost: int, now: datetime) -> Impression:
    return Impression.objects.create(**_served(ticket, cost=cost, now=now))


def _impression_unbilled(ticket: AdToken, *, cost: int, now: datetime) -> bool:
    with transaction.atomic():
        _impression(ticket, cost=0, now=now)
        _impression_counted(ticket)
        if cost:
            _exhaust_if_spent(campaign_id=ticket.campaign_id, cost=cost, now=now)
    return True


def _impression_counted(ticket: AdToken) -> None:
    """Move the campaign's impression count; `_Gone` when it no longer exists."""
    if not Campaign.objects.filter(pk=ticket.campaign_id).update(
        impression_count=F("impression_count") + 1
    ):
        raise _Gone()


@functools.cache
def _impression_billed_sql() -> str:
    """PostgreSQL: a billed impression as one statement, so in autocommit one round
    trip and no transaction to open and commit. Its parts, in a data-modifying `WITH`:

    - `taken` and `paid`: the reservation, as `_reserve_sql` (campaign first);
    - `counted`: the campaign's impression count, moved when `taken` refused (`taken`
      moves it itself when it takes the cost);
    - the impression row, whose cost is the bid when both updates took it, 0 when the
      campaign's refused (nothing was taken), and NULL when the campaign's took it but
      the advertiser's did not: the column refuses a NULL, so the whole statement rolls
      back (`_impression_billed_at_once` then says `_Refused`).

    It returns the impression's cost and how many campaign rows it found (0: gone).
    Parameters: `_reserve_parameters`', the campaign's id, then the impression's
    columns in `_impression_columns()`' order."""
    quote = connection.ops.quote_name
    campaign, advertiser = _reserve_updates("impression_count")
    count = quote(Campaign._meta.get_field("impression_count").column)
    counted = (
        f"UPDATE {quote(Campaign._meta.db_table)} SET {count} = {count} + 1 "  # noqa: S608
        f"WHERE {quote(Campaign._meta.pk.column)} = %s AND NOT EXISTS (SELECT FROM taken)"
    )
    fields = _impression_columns()
    cost = quote(Impression._meta.get_field("cost_micro").column)
    both_or_neither = (
        "(CASE WHEN (SELECT count(*) FROM taken) = (SELECT count(*) FROM paid) "
        "THEN %s * (SELECT count(*) FROM paid) END)"
    )
    values = ", ".join(both_or_neither if f.name == "cost_micro" else "%s" for f in fields)
    return (
        f"WITH taken AS ({campaign} RETURNING 1), "  # noqa: S608 - names from the models
        f"paid AS ({_paid(advertiser)} RETURNING 1), "
        f"counted AS ({counted} RETURNING 1) "
        f"INSERT INTO {quote(Impression._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES ({values}) "
        f"RETURNING {cost}, (SELECT count(*) FROM taken) + (SELECT count(*) FROM counted)"
    )


@functools.cache
def _impression_columns() -> tuple:
    """The fields of an impression row but its key, in the model's order."""
    return tuple(f for f in Impression._meta.concrete_fields if not f.primary_key)


def _impression_billed_at_once(
    ticket: AdToken, *, pricing: _Pricing, cost: int, now: datetime
) -> int:
    """Record a billable impression and reserve its cost in one statement
    (`_impression_billed_sql`, PostgreSQL): returns what it cost, `cost` or 0 when the
    campaign refused it. `_Refused` when the advertiser's balance refused what the
    campaign took (nothing was written); `_Gone` when the campaign is gone;
    `IntegrityError` when the token's impression exists (nothing was written either).

    In autocommit the statement is its own transaction; inside a caller's, it runs in
    a savepoint, so a refusal leaves that transaction usable."""
    served = _served(ticket, cost=cost, now=now)
    parameters = [
        *_reserve_parameters(pricing=pricing, campaign_id=ticket.campaign_id, cost=cost, now=now),
        Campaign._meta.pk.get_db_prep_value(ticket.campaign_id, connection),
        *(field.get_db_prep_save(served[field.attname], connection)
          for field in _impression_columns()),
    ]  # fmt: skip
    try:
        with contextlib.nullcontext() if connection.get_autocommit() else transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_impression_billed_sql(), parameters)
                charged, campaigns = cursor.fetchone()
            if not campaigns:
                raise _Gone()  # (in autocommit, the campaign's foreign key refused first)
    except IntegrityError as error:
        if isinstance(error.__cause__, psycopg_errors.NotNullViolation):
            raise _Refused() from None
        raise
    return charged


def impression_record(*, token: str, now: datetime | None = None) -> bool:
    """Count the impression of the ad `token` was served with, once per token: True when
    this call counted it, False for a token already counted (nothing happens).

    A CPM impression reserves the bid its token carries (`bid_millicoins` micro-coins:
    the module's docstring); refused, it is counted at cost 0.
    `ad_token_invalid`/`ad_token_expired` (400) for a forged or expired token; False
    too when its campaign or creative is gone. Nothing is read: three writes in one
    transaction when billed (the impression, the campaign, the advertiser), two when
    not. On PostgreSQL a billed one is a single statement (`_impression_billed_sql`),
    its own transaction; only when the advertiser's balance refused what the campaign
    took does it go the general way, which rolls back and counts it at cost 0."""
    now = now or timezone.now()
    ticket = ad_ticket_read(token=token, now=now)
    pricing = _pricing(ticket)
    cost = pricing.impression_cost
    try:
        if cost and connection.vendor == "postgresql":
            with contextlib.suppress(_Refused):  # then as below, where it rolls back
                if not _impression_billed_at_once(ticket, pricing=pricing, cost=cost, now=now):
                    _exhaust_if_spent(campaign_id=ticket.campaign_id, cost=cost, now=now)
                return True
        try:
            with transaction.atomic():
                _impression(ticket, cost=cost, now=now)
                if cost:
                    _reserve(
                        pricing=pricing,
                        campaign_id=ticket.campaign_id,
                        cost=cost,
                        counter="impression_count",
                        now=now,
                    )
                else:
                    _impression_counted(ticket)
            return True
        except _Refused:
            return _impression_unbilled(ticket, cost=cost, now=now)
    except _Gone:
        return False  # the campaign is gone: nothing to count
    except IntegrityError:
        return False  # the token's impression exists (a replay), or its creative is gone


# -- clicks ----------------------------------------------------------------------------


def click_address_digest(ip: str | None) -> str:
    """A keyed digest of a client address: what clicks keep and logs show, never the
    address itself."""
    return salted_hmac(ADDRESS_DIGEST_SALT, ip or "", algorithm="sha256").hexdigest()


def _click_invalid_reason(*, ticket: AdToken, digest: str, now: datetime) -> str:
    day_start = datetime.combine(_utc_day(now), datetime.min.time(), tzinfo=UTC)
    from_address = Click.objects.filter(
        ip_digest=digest, created_at__gte=day_start, created_at__lt=day_start + timedelta(days=1)
    ).count()
    if from_address >= settings.ADS_CLICK_LIMIT_PER_DAY:
        return Click.Invalid.ADDRESS_OVER_LIMIT
    window_start = now - timedelta(seconds=settings.ADS_CLICK_DEDUP_SECONDS)
    if Click.objects.filter(
        viewer_key=ticket.viewer_key,
        creative_id=ticket.creative_id,
        is_valid=True,
        created_at__gt=window_start,
    ).exists():
        return Click.Invalid.DUPLICATE
    return ""


def click_record(*, token: str, ip: str | None, now: datetime | None = None) -> str:
    """Record a click on the ad `token` was served with; returns where to send the
    browser: the creative's stored `click_url`, and never anything else.

    Valid once per viewer and creative within `ADS_CLICK_DEDUP_SECONDS` (later ones are
    kept as `duplicate`); a client address (kept as a keyed digest) with more than
    `ADS_CLICK_LIMIT_PER_DAY` clicks in the UTC day is invalid traffic
    (`address_over_limit`, logged to `ads.invalid_traffic`). A valid CPC click reserves
    `bid_millicoins * 1000` micro-coins, the bid its token carries (refused: counted at
    cost 0). Invalid clicks
    cost nothing and are not counted. `ad_token_invalid`/`ad_token_expired` (400) for a
    forged or expired token, 404 when its creative is gone.

    Clicks of a campaign are serialised on its row (PostgreSQL's lock, SQLite's write
    lock), so two clicks at once cannot both pass the dedup window. (The address limit
    counts clicks on every campaign: on PostgreSQL, clicks from one address on several
    campaigns at the same instant may pass it by those few.)
    """
    now = now or timezone.now()
    ticket = ad_ticket_read(token=token, now=now)
    click_url = (
        Creative.objects.filter(pk=ticket.creative_id, campaign_id=ticket.campaign_id)
        .values_list("click_url", flat=True)
        .first()
    )
    if click_url is None:
        raise _ad_gone()
    pricing = _pricing(ticket)
    digest = click_address_digest(ip)
    with transaction.atomic():
        rows_lock(Campaign.objects.filter(pk=ticket.campaign_id).only("pk"), no_key=True)
        reason = _click_invalid_reason(ticket=ticket, digest=digest, now=now)
        cost = 0
        if not reason:
            cost = pricing.click_cost
            try:
                with transaction.atomic():
                    if not cost:
                        raise _Refused()  # not billed: only counted, below
                    _reserve(
                        pricing=pricing,
                        campaign_id=ticket.campaign_id,
                        cost=cost,
                        counter="click_count",
                        now=now,
                    )
            except _Refused:
                Campaign.objects.filter(pk=ticket.campaign_id).update(
                    click_count=F("click_count") + 1
                )
                if cost:
                    _exhaust_if_spent(campaign_id=ticket.campaign_id, cost=cost, now=now)
                cost = 0
        Click.objects.create(
            **_served(ticket, cost=cost, now=now),
            ip_digest=digest,
            is_valid=not reason,
            invalid_reason=reason,
        )
    if reason == Click.Invalid.ADDRESS_OVER_LIMIT:
        invalid_traffic_log.warning(
            "Invalid click (address_over_limit): address %s made more than %s clicks "
            "today; campaign %s, creative %s, viewer %s.",
            digest,
            settings.ADS_CLICK_LIMIT_PER_DAY,
            ticket.campaign_id,
            ticket.creative_id,
            ticket.viewer_key,
        )
    return click_url


# -- player tracking events ------------------------------------------------------------


def tracking_event_record(
    *, token: str, event: str, error_code: str = "", now: datetime | None = None
) -> bool:
    """Record a VAST player event (`TrackingEvent.Event`) of the ad `token` was served
    with, once per token and event: True when this call recorded it. `error_code` is
    kept for `error` only, and only when it is a VAST error number (a player that did
    not fill the `[ERRORCODE]` macro sends the macro). 404 for an unknown event; token
    errors as `impression_record`."""
    if event not in TrackingEvent.Event.values:
        raise NotFound("No such tracking event.")
    now = now or timezone.now()
    ticket = ad_ticket_read(token=token, now=now)
    if event != TrackingEvent.Event.ERROR or not (
        error_code.isascii() and error_code.isdigit() and len(error_code) <= ERROR_CODE_MAX_LENGTH
    ):
        error_code = ""
    try:
        with transaction.atomic():
            TrackingEvent.objects.create(
                token_id=ticket.token_id,
                event=event,
                creative_id=ticket.creative_id,
                campaign_id=ticket.campaign_id,
                error_code=error_code,
                created_at=now,
            )
    except IntegrityError:
        return False  # already recorded (or the ad is gone: nothing to record)
    return True
