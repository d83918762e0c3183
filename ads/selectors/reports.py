"""A campaign's report: impressions, valid clicks, CTR, spend, eCPM, eCPC and reach over
a range of UTC days, grouped by day, creative, country or device.

The sums come from `DailyStat` (as of the last `ads_aggregate`); reach (distinct
viewers) cannot be summed from daily rows, so it is counted from the raw impressions of
the range. The report runs the same few queries whatever the range. Money is exact:
integers of micro-coins, shown as Decimals; ratios are rounded half up.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from rest_framework.exceptions import NotFound

from ads.models import MICROS_PER_COIN, Campaign, DailyStat, Impression
from ads.services.aggregation import ads_aggregated_at
from core.access import is_signed_in, is_staff, uuid_or_404

GROUP_BY_DAY = "day"
GROUP_BY_CREATIVE = "creative"
GROUP_BY_COUNTRY = "country"
GROUP_BY_DEVICE = "device"
GROUP_BYS = (GROUP_BY_DAY, GROUP_BY_CREATIVE, GROUP_BY_COUNTRY, GROUP_BY_DEVICE)
CTR_PLACES = 4
MONEY_PLACES = 6  # micro-coins: spend is exact at this scale
# The column of the grouped rows (`DailyStat` and `Impression` alike, `day` for the
# latter being its UTC day).
_GROUP_COLUMN = {
    GROUP_BY_DAY: "day",
    GROUP_BY_CREATIVE: "creative_id",
    GROUP_BY_COUNTRY: "country",
    GROUP_BY_DEVICE: "device",
}


def _ratio(numerator: int, denominator: int, places: int) -> Decimal | None:
    """numerator / denominator to `places` decimals, rounded half up, exactly (integer
    arithmetic, no float and no Decimal context); None when the denominator is 0."""
    if denominator == 0:
        return None
    scaled = numerator * 10**places
    return Decimal((2 * scaled + denominator) // (2 * denominator)).scaleb(-places)


@dataclass
class ReportFigures:
    impressions: int = 0
    clicks: int = 0
    spend_micro: int = 0
    reach: int = 0

    @property
    def spend(self) -> Decimal:
        """Coins, exactly."""
        return Decimal(self.spend_micro).scaleb(-MONEY_PLACES)

    @property
    def ctr(self) -> Decimal | None:
        """Clicks per impression."""
        return _ratio(self.clicks, self.impressions, CTR_PLACES)

    @property
    def ecpm(self) -> Decimal | None:
        """Coins per thousand impressions."""
        return _ratio(self.spend_micro * 1_000, self.impressions * MICROS_PER_COIN, MONEY_PLACES)

    @property
    def ecpc(self) -> Decimal | None:
        """Coins per click."""
        return _ratio(self.spend_micro, self.clicks * MICROS_PER_COIN, MONEY_PLACES)


@dataclass
class ReportRow(ReportFigures):
    key: str = ""  # the day (ISO), the creative's id, the country or the device
    headline: str | None = None  # the creative's, when grouped by creative


@dataclass
class CampaignReport:
    campaign: Campaign
    date_from: date
    date_to: date
    group_by: str
    aggregated_at: datetime | None
    rows: list[ReportRow] = field(default_factory=list)
    totals: ReportFigures = field(default_factory=ReportFigures)


def access_campaign_report(*, viewer, campaign_id) -> Campaign:
    """The campaign `campaign_id` if `viewer` owns it (through its advertiser) or is
    staff, else 404 (`not_found`), as if it did not exist."""
    pk = uuid_or_404(campaign_id)
    campaign = Campaign.objects.select_related("advertiser").filter(pk=pk).first()
    if campaign is None or not is_signed_in(viewer):
        raise NotFound()
    if campaign.advertiser.owner_id != viewer.pk and not is_staff(viewer):
        raise NotFound()
    return campaign


def _days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=offset) for offset in range((date_to - date_from).days + 1)]


def campaign_report(
    *, campaign: Campaign, date_from: date, date_to: date, group_by: str
) -> CampaignReport:
    """The report of `campaign` over the UTC days `date_from` to `date_to` (both
    included), one row per group sorted by its key; grouped by day, every day of the
    range has a row (zeros when nothing happened). Four queries, whatever the range."""
    column = _GROUP_COLUMN[group_by]
    with_headline = group_by == GROUP_BY_CREATIVE
    names = [column, "creative__headline"] if with_headline else [column]
    rows: dict[str, ReportRow] = {}

    def row(values: dict) -> ReportRow:
        value = values[column]
        key = value.isoformat() if isinstance(value, date) else str(value)
        if key not in rows:
            rows[key] = ReportRow(
                key=key, headline=values["creative__headline"] if with_headline else None
            )
        return rows[key]

    if group_by == GROUP_BY_DAY:
        for day in _days(date_from, date_to):
            rows[day.isoformat()] = ReportRow(key=day.isoformat())

    sums = (
        DailyStat.objects.filter(campaign=campaign, day__gte=date_from, day__lte=date_to)
        .values(*names)
        .annotate(
            impressions_sum=Sum("impressions"),
            clicks_sum=Sum("clicks"),
            spend_sum=Sum("spend_micro"),
        )
        .order_by()
    )
    for values in sums:
        figures = row(values)
        figures.impressions = int(values["impressions_sum"] or 0)
        figures.clicks = int(values["clicks_sum"] or 0)
        figures.spend_micro = int(values["spend_sum"] or 0)

    impressions = Impression.objects.filter(
        campaign=campaign,
        created_at__gte=datetime.combine(date_from, time.min, tzinfo=UTC),
        created_at__lte=datetime.combine(date_to, time.max, tzinfo=UTC),
    )
    grouped = impressions
    if group_by == GROUP_BY_DAY:
        grouped = grouped.annotate(day=TruncDate("created_at", tzinfo=UTC))
    for values in (
        grouped.values(*names).annotate(viewers=Count("viewer_key", distinct=True)).order_by()
    ):
        row(values).reach = values["viewers"]

    ordered = [rows[key] for key in sorted(rows)]
    totals = ReportFigures(
        impressions=sum(item.impressions for item in ordered),
        clicks=sum(item.clicks for item in ordered),
        spend_micro=sum(item.spend_micro for item in ordered),
        reach=impressions.aggregate(viewers=Count("viewer_key", distinct=True))["viewers"],
    )
    return CampaignReport(
        campaign=campaign,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        aggregated_at=ads_aggregated_at(),
        rows=ordered,
        totals=totals,
    )
