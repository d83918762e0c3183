"""The serving decision: which approved creatives a viewer gets for a placement.

A campaign is eligible when it is active and running (`start_at` <= now < `end_at`),
its advertiser is active with coins to spend, one more event's cost fits its total and
today's budget, it may run at the placement, its targeting matches the viewer (each
dimension: an empty list, or no age bound, matches everyone; otherwise the viewer must
have given that fact and it must be in the list: a country, a language, one of the
interests in common, an age within the bounds; the device read from the User-Agent),
the viewer has not reached its frequency cap, an evenly paced campaign is not ahead of
its share of today's budget, and it has an approved creative whose video is still
public and ready. Eligible campaigns are ranked by effective CPM (a CPM bid as it is; a
CPC bid times the estimated click-through rate times 1,000, the rate estimated as
(clicks + 1) / (impressions + 100) so that a new campaign gets its chance), ties broken
by campaign id, one creative per campaign, chosen per viewer (a hash of the viewer and
the campaign: a viewer keeps seeing the same one, viewers see them all).

Speed: each process keeps a snapshot of the campaigns that may be served (plain tuples,
pre-ranked, indexed by placement and device), rebuilt when the serving version
(`ads.serving_cache`) changes, which every pause, suspension, review or exhaustion
bumps, and at least every `SNAPSHOT_MAX_AGE_SECONDS` (the click-through rates that
rank CPC bids move slowly). Spend moves with every event, so each campaign's spend is
read apart, in one light query, at least every `SPEND_MAX_AGE_SECONDS`: rebuilding the
whole snapshot that often held a request for up to a second with 10,000 campaigns.
It is a read-through cache, not shared state: the billing update re-checks the
campaign's status and budgets (and the advertiser's balance) when an event is counted.
A decision costs one query for the viewer's impressions of the last week (only when a
campaign it would choose has a frequency cap) and at most one for the chosen creatives
(whether they may still be served, asked at most once a second per creative; what they
show is kept for half a minute), whatever `count` is, and the serving version's read
at most once a second.
"""

import threading
import time
import zlib
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import NamedTuple
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from ads.models import MICROS_PER_COIN, MILLIS_PER_COIN, Advertiser, Campaign, Creative, Impression
from ads.serving_cache import serving_version_current
from ads.tokens import AdToken, ad_token_make
from ads.viewers import Viewer
from core.lookups import q_through
from videos.selectors import video_visibility_filter

# How long a snapshot is used before it is rebuilt (a pause, a suspension, a review or
# an exhaustion rebuilds it at once through the version), and how long the campaigns'
# spend is used before it is read again.
SNAPSHOT_MAX_AGE_SECONDS = 300
SPEND_MAX_AGE_SECONDS = 5
# How long what a served creative shows (its headline and URL, the video's title and
# files, the owner's public profile) is kept before it is loaded again, and for how
# many creatives; and how long the answer to whether it may be served at all (the
# review, the campaign's and advertiser's status, the video's privacy) holds. A pause
# or a suspension also reaches every process through the serving version, a video
# made private through this check: either way, within a second.
CREATIVE_MAX_AGE_SECONDS = 30
CREATIVES_KEPT = 2_000
SERVABLE_MAX_AGE_SECONDS = 1.0
# The click-through rate a CPC bid is ranked with: (clicks + PRIOR_CLICKS) /
# (impressions + PRIOR_IMPRESSIONS), so a campaign with no history ranks as 1%.
CTR_PRIOR_CLICKS = 1
CTR_PRIOR_IMPRESSIONS = 100
DAY = 86_400 * 1_000_000  # microseconds
FREQUENCY_PERIODS = {
    Campaign.FrequencyPeriod.HOUR: timedelta(hours=1),
    Campaign.FrequencyPeriod.DAY: timedelta(days=1),
    Campaign.FrequencyPeriod.WEEK: timedelta(weeks=1),
}
DEVICES = ("", *Campaign.Device.values)  # "" is an unknown device


@dataclass(frozen=True)
class ServedAd:
    creative: Creative  # with its campaign and video loaded
    token: str  # signed: the impression, click and tracking URLs carry it
    ticket: AdToken  # what the token says


class CampaignEntry(NamedTuple):
    """What a decision needs to know of one servable campaign."""

    id: UUID
    start_at: datetime
    end_at: datetime | None
    event_cost_micro: int  # what one billable event (impression or click) costs
    total_budget_micro: int
    daily_budget_micro: int
    is_paced_evenly: bool
    frequency_cap: int | None
    frequency_period: str
    countries: frozenset[str]
    languages: frozenset[str]
    interests: frozenset[str]
    age_min: int | None
    age_max: int | None
    creative_ids: tuple[UUID, ...]  # approved, of a public ready video; by id


class ServingSnapshot(NamedTuple):
    version: int
    built_at: float  # time.monotonic()
    # (placement, device) -> the campaigns that may run there, best first.
    ranked: dict[tuple[str, str], tuple[CampaignEntry, ...]]


class Spend(NamedTuple):
    """A campaign's spend when it was read: all of it, and today's."""

    spent_micro: int
    spend_day: date | None
    spent_today_micro: int


class SpendView(NamedTuple):
    version: int  # the snapshot's it was read for
    read_at: float  # time.monotonic()
    by_campaign: dict[UUID, Spend]


_snapshot: ServingSnapshot | None = None
_spend: SpendView | None = None
# Creatives served lately (`_Shown`), least recently loaded first.
_shown: OrderedDict[UUID, "_Shown"] = OrderedDict()
_snapshot_lock = threading.Lock()


def effective_cpm(*, pricing: str, bid_millicoins: int, clicks: int, impressions: int) -> Fraction:
    """What a thousand impressions of the campaign are expected to earn, in millicoins."""
    if pricing == Campaign.Pricing.CPC:
        click_through = Fraction(clicks + CTR_PRIOR_CLICKS, impressions + CTR_PRIOR_IMPRESSIONS)
        return bid_millicoins * click_through * 1000
    return Fraction(bid_millicoins)


def event_cost_micro(*, pricing: str, bid_millicoins: int) -> int:
    """The cost of one billable event: a CPM impression, or a CPC click."""
    if pricing == Campaign.Pricing.CPC:
        return bid_millicoins * MILLIS_PER_COIN
    return bid_millicoins


def _video_public() -> Q:
    """On creatives: their video is one anyone may see (public and ready, its owner in
    good standing)."""
    return q_through(video_visibility_filter(viewer=AnonymousUser(), listed=True), "video")


def _creatives_servable() -> dict[UUID, list[UUID]]:
    """The creatives that may be served (`_servable`), by campaign."""
    rows = _servable(Creative.objects.all()).values_list("campaign_id", "id")
    creatives: dict[UUID, list[UUID]] = defaultdict(list)
    for campaign_id, creative_id in rows:
        creatives[campaign_id].append(creative_id)
    return creatives


def _active_campaigns():
    return Campaign.objects.filter(
        status=Campaign.Status.ACTIVE,
        advertiser__status=Advertiser.Status.ACTIVE,
        advertiser__spendable_micro__gt=0,
    )


def serving_spend_read() -> dict[UUID, Spend]:
    """Every servable campaign's spend (one query)."""
    rows = _active_campaigns().values_list("id", "spent_micro", "spend_day", "spent_today_micro")
    return {campaign_id: Spend(*spend) for campaign_id, *spend in rows}


def serving_snapshot_build(*, version: int) -> tuple[ServingSnapshot, dict[UUID, Spend]]:
    """The servable campaigns, ranked and indexed, and their spend (two queries). What
    changes with the time (start, end, spend, pacing) is left to each decision."""
    creatives = _creatives_servable()
    spend: dict[UUID, Spend] = {}
    campaigns = _active_campaigns().values_list(
        "id",
        "start_at",
        "end_at",
        "total_budget",
        "daily_budget",
        "pricing",
        "bid_millicoins",
        "pacing",
        "frequency_cap_impressions",
        "frequency_cap_period",
        "target_countries",
        "target_languages",
        "target_interests",
        "target_age_min",
        "target_age_max",
        "target_devices",
        "placements",
        "spent_micro",
        "spend_day",
        "spent_today_micro",
        "impression_count",
        "click_count",
    )
    ranked: list[tuple[Fraction, UUID, CampaignEntry, tuple, tuple]] = []
    for (
        campaign_id,
        start_at,
        end_at,
        total_budget,
        daily_budget,
        pricing,
        bid_millicoins,
        pacing,
        frequency_cap,
        frequency_period,
        countries,
        languages,
        interests,
        age_min,
        age_max,
        devices,
        placements,
        spent_micro,
        spend_day,
        spent_today_micro,
        impressions,
        clicks,
    ) in campaigns:
        creative_ids = creatives.get(campaign_id)
        if not creative_ids:
            continue
        spend[campaign_id] = Spend(spent_micro, spend_day, spent_today_micro)
        entry = CampaignEntry(
            id=campaign_id,
            start_at=start_at,
            end_at=end_at,
            event_cost_micro=event_cost_micro(pricing=pricing, bid_millicoins=bid_millicoins),
            total_budget_micro=total_budget * MICROS_PER_COIN,
            daily_budget_micro=daily_budget * MICROS_PER_COIN,
            is_paced_evenly=pacing == Campaign.Pacing.EVEN,
            frequency_cap=frequency_cap,
            frequency_period=frequency_period,
            countries=frozenset(country.upper() for country in countries),
            languages=frozenset(language.lower() for language in languages),
            interests=frozenset(interest.lower() for interest in interests),
            age_min=age_min,
            age_max=age_max,
            creative_ids=tuple(sorted(creative_ids)),
        )
        score = effective_cpm(
            pricing=pricing, bid_millicoins=bid_millicoins, clicks=clicks, impressions=impressions
        )
        ranked.append(
            (
                score,
                campaign_id,
                entry,
                tuple(placements) or tuple(Campaign.Placement.values),
                tuple(devices) or DEVICES,
            )
        )
    ranked.sort(key=lambda row: (-row[0], row[1]))
    index: dict[tuple[str, str], list[CampaignEntry]] = defaultdict(list)
    for _, _, entry, placements, devices in ranked:
        for placement in placements:
            for device in devices:
                index[placement, device].append(entry)
    snapshot = ServingSnapshot(
        version=version,
        built_at=time.monotonic(),
        ranked={key: tuple(entries) for key, entries in index.items()},
    )
    return snapshot, spend


def _stale(snapshot: ServingSnapshot | None, version: int) -> bool:
    return (
        snapshot is None
        or snapshot.version != version
        or time.monotonic() - snapshot.built_at > SNAPSHOT_MAX_AGE_SECONDS
    )


def _spend_stale(spend: SpendView | None, snapshot: ServingSnapshot) -> bool:
    return (
        spend is None
        or spend.version != snapshot.version
        or time.monotonic() - spend.read_at > SPEND_MAX_AGE_SECONDS
    )


def serving_snapshot_current() -> tuple[ServingSnapshot, dict[UUID, Spend]]:
    """This process's snapshot, rebuilt if the serving version moved or it is older
    than `SNAPSHOT_MAX_AGE_SECONDS`, and the campaigns' spend, read again when older
    than `SPEND_MAX_AGE_SECONDS`."""
    global _snapshot, _spend
    version = serving_version_current()
    snapshot, spend = _snapshot, _spend
    if _stale(snapshot, version) or _spend_stale(spend, snapshot):
        with _snapshot_lock:  # one rebuild at a time; the others use the new one
            snapshot, spend = _snapshot, _spend
            if _stale(snapshot, version):
                snapshot, by_campaign = serving_snapshot_build(version=version)
                spend = SpendView(version, time.monotonic(), by_campaign)
                _snapshot, _spend = snapshot, spend
            elif _spend_stale(spend, snapshot):
                spend = _spend = SpendView(version, time.monotonic(), serving_spend_read())
    return snapshot, spend.by_campaign


def viewer_impressions_by_campaign(
    *, viewer_key: str, now: datetime
) -> dict[UUID, tuple[int, int, int]]:
    """The viewer's impressions of each campaign in the last hour, day and week (one
    query, on the viewer's index; counted here: a viewer sees few ads a week, and the
    plain query costs half of a grouped one to build)."""
    hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
    seen: dict[UUID, list[int]] = {}
    for campaign_id, created_at in Impression.objects.filter(
        viewer_key=viewer_key,
        created_at__gt=now - FREQUENCY_PERIODS[Campaign.FrequencyPeriod.WEEK],
        created_at__lte=now,
    ).values_list("campaign_id", "created_at"):
        counts = seen.setdefault(campaign_id, [0, 0, 0])
        counts[0] += created_at > hour_ago
        counts[1] += created_at > day_ago
        counts[2] += 1
    return {campaign_id: tuple(counts) for campaign_id, counts in seen.items()}


_PERIOD_POSITION = {
    Campaign.FrequencyPeriod.HOUR: 0,
    Campaign.FrequencyPeriod.DAY: 1,
    Campaign.FrequencyPeriod.WEEK: 2,
}


def _targeting_matches(entry: CampaignEntry, viewer: Viewer) -> bool:
    if entry.countries and viewer.country not in entry.countries:
        return False
    if entry.languages and viewer.language not in entry.languages:
        return False
    if entry.interests and entry.interests.isdisjoint(viewer.interests):
        return False
    if entry.age_min is not None or entry.age_max is not None:
        if viewer.age is None:
            return False
        if entry.age_min is not None and viewer.age < entry.age_min:
            return False
        if entry.age_max is not None and viewer.age > entry.age_max:
            return False
    return True


def _runs_now(
    entry: CampaignEntry,
    spend: Spend | None,
    *,
    now: datetime,
    today: date,
    day_elapsed_micros: int,
) -> bool:
    """Started, not ended, room for one more event in its total and today's budget,
    and (evenly paced) not ahead of the day's share: at most daily budget * elapsed
    part of the UTC day + one event. No spend read: not servable any more."""
    if entry.start_at > now or (entry.end_at is not None and entry.end_at <= now):
        return False
    if spend is None or spend.spent_micro + entry.event_cost_micro > entry.total_budget_micro:
        return False
    spent_today = spend.spent_today_micro if spend.spend_day == today else 0
    if spent_today + entry.event_cost_micro > entry.daily_budget_micro:
        return False
    if entry.is_paced_evenly:
        # spent_today > daily budget * elapsed / day + one event, in integers (a decision
        # runs this for thousands of campaigns: no fractions, no floats).
        allowed = entry.daily_budget_micro * day_elapsed_micros + entry.event_cost_micro * DAY
        if spent_today * DAY > allowed:
            return False
    return True


def _under_frequency_cap(entry: CampaignEntry, seen: dict[UUID, tuple[int, int, int]]) -> bool:
    if entry.frequency_cap is None:
        return True
    counts = seen.get(entry.id)
    if counts is None:
        return True
    return counts[_PERIOD_POSITION[entry.frequency_period]] < entry.frequency_cap


def _creative_for_viewer(entry: CampaignEntry, viewer_key: str) -> UUID:
    """One of the campaign's creatives, the same for a viewer every time."""
    if len(entry.creative_ids) == 1:
        return entry.creative_ids[0]
    digest = zlib.crc32(f"{viewer_key}|{entry.id}".encode())
    return entry.creative_ids[digest % len(entry.creative_ids)]


def ads_choose(
    *, viewer: Viewer, placement: str, count: int, now: datetime
) -> list[tuple[UUID, UUID]]:
    """The (campaign id, creative id) of up to `count` eligible campaigns for `viewer`
    at `placement`, best first: the decision itself, without tokens or rows."""
    snapshot, spend = serving_snapshot_current()
    candidates = snapshot.ranked.get((placement, viewer.device), ())
    if not candidates or count <= 0:
        return []
    now_utc = now.astimezone(UTC)
    today = now_utc.date()
    midnight = now_utc.replace(hour=0, minute=0, second=0, microsecond=0)
    day_elapsed_micros = (now_utc - midnight) // timedelta(microseconds=1)
    # The viewer's recent impressions are read once, and only when a campaign that
    # would otherwise be chosen has a frequency cap.
    seen: dict[UUID, tuple[int, int, int]] | None = None
    chosen: list[tuple[UUID, UUID]] = []
    for entry in candidates:
        if not (
            _targeting_matches(entry, viewer)
            and _runs_now(
                entry,
                spend.get(entry.id),
                now=now_utc,
                today=today,
                day_elapsed_micros=day_elapsed_micros,
            )
        ):
            continue
        if entry.frequency_cap is not None:
            if seen is None:
                seen = viewer_impressions_by_campaign(viewer_key=viewer.viewer_key, now=now)
            if not _under_frequency_cap(entry, seen):
                continue
        chosen.append((entry.id, _creative_for_viewer(entry, viewer.viewer_key)))
        if len(chosen) >= count:
            break
    return chosen


def _servable(creatives: QuerySet[Creative]) -> QuerySet[Creative]:
    """`creatives` that may be served now: approved, of an active campaign of an
    active advertiser, promoting a video anyone may see."""
    return creatives.filter(
        _video_public(),
        review_status=Creative.Review.APPROVED,
        campaign__status=Campaign.Status.ACTIVE,
        campaign__advertiser__status=Advertiser.Status.ACTIVE,
    )


class _Shown(NamedTuple):
    """A creative served lately, as this process keeps it."""

    version: int  # the serving version it was loaded under
    loaded_at: float  # time.monotonic()
    checked_at: float  # when it was last found servable
    creative: Creative  # with its campaign, video and owner


def _creatives_shown(creative_ids: list[UUID], *, version: int) -> dict[UUID, Creative]:
    """The creatives of `creative_ids` that may be served now, with their campaign,
    video and owner loaded: at most one query.

    What a creative shows is kept `CREATIVE_MAX_AGE_SECONDS` under the same serving
    version; whether it may still be served (`_servable`) is asked again when the
    last answer is older than `SERVABLE_MAX_AGE_SECONDS`, for the creatives that need
    it only (a third of the cost of loading them), or with the loading."""
    now = time.monotonic()
    kept: dict[UUID, _Shown] = {}
    for creative_id in creative_ids:
        shown = _shown.get(creative_id)
        if (
            shown is not None
            and shown.version == version
            and now - shown.loaded_at < CREATIVE_MAX_AGE_SECONDS
        ):
            kept[creative_id] = shown
    stale = [pk for pk, shown in kept.items() if now - shown.checked_at >= SERVABLE_MAX_AGE_SECONDS]
    if len(kept) == len(creative_ids):
        if stale:
            servable = set(
                _servable(Creative.objects.filter(pk__in=stale)).values_list("pk", flat=True)
            )
            with _snapshot_lock:
                for pk in stale:
                    if pk in servable:
                        kept[pk] = _shown[pk] = kept[pk]._replace(checked_at=now)
                    else:
                        del kept[pk]
                        _shown.pop(pk, None)
        return {pk: shown.creative for pk, shown in kept.items()}
    loaded = {
        creative.pk: creative
        for creative in _servable(Creative.objects.filter(pk__in=creative_ids)).select_related(
            "campaign", "video", "video__owner"
        )
    }
    with _snapshot_lock:
        for pk in creative_ids:
            if pk in loaded:
                _shown[pk] = _Shown(version, now, now, loaded[pk])
                _shown.move_to_end(pk)
            else:
                _shown.pop(pk, None)
        while len(_shown) > CREATIVES_KEPT:
            _shown.popitem(last=False)
    return loaded


def ads_select(
    *, viewer: Viewer, placement: str, count: int, now: datetime | None = None
) -> list[ServedAd]:
    """Up to `count` creatives of different campaigns for `viewer` at `placement`,
    best first, each with a new token."""
    now = now or timezone.now()
    chosen = ads_choose(viewer=viewer, placement=placement, count=count, now=now)
    if not chosen:
        return []
    # Re-checked (at most a second old) against the review, the campaign's and the
    # advertiser's status and the video's privacy, in case a change has not reached
    # this process's snapshot yet (a video's owner may make it private at any time, and
    # the videos app knows nothing of ads: no version bump tells the snapshot).
    by_id = _creatives_shown(
        [creative_id for _, creative_id in chosen], version=serving_version_current()
    )
    served: list[ServedAd] = []
    for _, creative_id in chosen:
        creative = by_id.get(creative_id)
        if creative is None:
            continue
        token, ticket = ad_token_make(
            creative=creative,
            placement=placement,
            viewer_key=viewer.viewer_key,
            user_id=viewer.user.pk if viewer.user is not None else None,
            country=viewer.country,
            device=viewer.device,
        )
        served.append(ServedAd(creative=creative, token=token, ticket=ticket))
    return served
