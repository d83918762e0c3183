"""A campaign report's query string and its answer, as JSON and as a CSV table."""

from datetime import UTC, date, datetime

from rest_framework import serializers

from ads.exceptions import REPORT_FROM_AFTER_TO, REPORT_MAX_DAYS, REPORT_RANGE_TOO_LONG
from ads.selectors.reports import CTR_PLACES, GROUP_BY_CREATIVE, GROUP_BYS, MONEY_PLACES

REPORT_DEFAULT_DAYS = 30


def _money(**options) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=MONEY_PLACES, read_only=True, **options
    )


class CampaignReportQuerySerializer(serializers.Serializer):
    """`from` and `to` are Python keywords: declared as `from_` and `to_`, read and
    answered as `from` and `to`."""

    from_ = serializers.DateField(
        required=False,
        help_text=f"The first UTC day (YYYY-MM-DD); default: {REPORT_DEFAULT_DAYS - 1} "
        "days before `to`.",
    )
    to_ = serializers.DateField(
        required=False, help_text="The last UTC day, included (YYYY-MM-DD); default: today."
    )
    group_by = serializers.ChoiceField(
        choices=GROUP_BYS,
        default="day",
        help_text="One row per day (the default), creative, country or device.",
    )

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        fields["to"] = fields.pop("to_")
        return fields

    def validate(self, attrs: dict) -> dict:
        date_to = attrs.get("to") or datetime.now(UTC).date()
        date_from = attrs.get("from") or date.fromordinal(
            max(1, date_to.toordinal() - (REPORT_DEFAULT_DAYS - 1))
        )
        if date_from > date_to:
            raise REPORT_FROM_AFTER_TO.error()
        if (date_to - date_from).days + 1 > REPORT_MAX_DAYS:
            raise REPORT_RANGE_TOO_LONG.error()
        return {"date_from": date_from, "date_to": date_to, "group_by": attrs["group_by"]}


class ReportFiguresSerializer(serializers.Serializer):
    impressions = serializers.IntegerField(read_only=True)
    clicks = serializers.IntegerField(read_only=True, help_text="Valid clicks.")
    ctr = serializers.DecimalField(
        max_digits=None,
        decimal_places=CTR_PLACES,
        read_only=True,
        allow_null=True,
        help_text="Clicks per impression, rounded half up (null without impressions).",
    )
    spend = _money(help_text="Coins, exactly.")
    ecpm = _money(
        allow_null=True,
        help_text="Coins per thousand impressions, rounded half up (null without impressions).",
    )
    ecpc = _money(
        allow_null=True, help_text="Coins per click, rounded half up (null without clicks)."
    )
    reach = serializers.IntegerField(
        read_only=True, help_text="Distinct viewers (signed-in users and anonymous ids)."
    )


class ReportRowSerializer(ReportFiguresSerializer):
    key = serializers.CharField(
        read_only=True,
        help_text="The UTC day (YYYY-MM-DD), the creative's id, the country (ISO 3166-1 "
        "alpha-2) or the device; an empty string when the country or device was unknown.",
    )
    headline = serializers.CharField(
        read_only=True, allow_null=True, help_text="The creative's, when grouped by creative."
    )

    def get_fields(self) -> dict:
        fields = super().get_fields()
        return {name: fields.pop(name) for name in ("key", "headline")} | fields


class CampaignReportSerializer(serializers.Serializer):
    campaign = serializers.UUIDField(source="campaign.pk", read_only=True)
    group_by = serializers.ChoiceField(choices=GROUP_BYS, read_only=True)
    aggregated_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the sums were last aggregated from the raw impressions and clicks "
        "(every few minutes; null if not known). Reach is counted live.",
    )
    rows = ReportRowSerializer(many=True, read_only=True)
    totals = ReportFiguresSerializer(read_only=True)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        return {
            "campaign": fields.pop("campaign"),
            "from": serializers.DateField(source="date_from", read_only=True),
            "to": serializers.DateField(source="date_to", read_only=True),
            **fields,
        }


FIGURE_COLUMNS = ("impressions", "clicks", "ctr", "spend", "ecpm", "ecpc", "reach")


def campaign_report_table(data: dict) -> list[list]:
    """The CSV table of a report answer (`CampaignReportSerializer(...).data`): a header,
    one line per row, then the totals (keyed `total`)."""
    by_creative = data["group_by"] == GROUP_BY_CREATIVE
    key_columns = [data["group_by"], "headline"] if by_creative else [data["group_by"]]
    table = [[*key_columns, *FIGURE_COLUMNS]]
    for row in data["rows"]:
        keys = [row["key"], row["headline"]] if by_creative else [row["key"]]
        table.append([*keys, *(row[name] for name in FIGURE_COLUMNS)])
    totals = ["total", None] if by_creative else ["total"]
    table.append([*totals, *(data["totals"][name] for name in FIGURE_COLUMNS)])
    return table


def campaign_report_file_name(data: dict) -> str:
    return f"campaign-{data['campaign']}-{data['group_by']}-{data['from']}-{data['to']}.csv"
