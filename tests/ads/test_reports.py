"""`GET ads/campaigns/{id}/report/`: exact figures from chosen raw rows (each grouping,
totals, rounding, reach), CSV, the date range's rules, permissions and query counts."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from ads.models import Campaign
from ads.selectors.reports import ReportFigures
from ads.services.aggregation import ads_aggregate
from tests.accounts.factories import AdminFactory, ModeratorFactory, UserFactory
from tests.ads.factories import CreativeFactory
from tests.ads.report_rows import at, click_add, impression_add
from tests.conftest import error_one

pytestmark = pytest.mark.django_db

MOBILE = Campaign.Device.MOBILE
DESKTOP = Campaign.Device.DESKTOP
TV = Campaign.Device.TV
RANGE = {"from": "2026-03-01", "to": "2026-03-03"}


def url(campaign) -> str:
    return reverse("ads-campaign-report", args=[campaign.pk])


def figures(impressions, clicks, ctr, spend, ecpm, ecpc, reach) -> dict:
    return {
        "impressions": impressions,
        "clicks": clicks,
        "ctr": ctr,
        "spend": spend,
        "ecpm": ecpm,
        "ecpc": ecpc,
        "reach": reach,
    }


def row(key, *values, headline=None) -> dict:
    return {"key": key, "headline": headline, **figures(*values)}


TOTALS = figures(6, 2, "0.3333", "0.507500", "84.583333", "0.253750", 3)


@pytest.fixture
def scenario():
    """Creatives A and B of one campaign; three days of raw rows (and rows just outside
    the range, and another campaign's), aggregated."""
    first = CreativeFactory(headline="A")
    second = CreativeFactory(headline="B", campaign=first.campaign)
    # 2026-03-01: four impressions (u1 twice), a valid click, a duplicate click.
    impression_add(first, when="2026-03-01 00:00", viewer="u1", cost_micro=1_500)
    impression_add(first, when="2026-03-01 09:00", viewer="u2", cost_micro=1_500)
    impression_add(first, when="2026-03-01 23:59:59.999999", viewer="u1", cost_micro=1_500)
    impression_add(
        second, when="2026-03-01 10:00", viewer="u2", country="DE", device=DESKTOP, cost_micro=1_500
    )
    click_add(first, when="2026-03-01 09:01", viewer="u2", cost_micro=250_000)
    click_add(first, when="2026-03-01 09:02", viewer="u2", invalid_reason="duplicate")
    # 2026-03-02: nothing. 2026-03-03: an anonymous viewer from nowhere known on a TV,
    # who clicks; and an impression refused by the budget (cost 0).
    impression_add(
        second, when="2026-03-03 08:00", viewer="anon:x", country="", device=TV, cost_micro=1_500
    )
    click_add(
        second, when="2026-03-03 08:01", viewer="anon:x", country="", device=TV, cost_micro=250_000
    )
    impression_add(first, when="2026-03-03 20:00", viewer="u1", device=DESKTOP, cost_micro=0)
    # Outside the range, and another campaign's.
    impression_add(first, when="2026-02-28 23:59:59.999999", viewer="u3")
    impression_add(first, when="2026-03-04 00:00", viewer="u3")
    impression_add(CreativeFactory(), when="2026-03-02 12:00", viewer="u4")
    ads_aggregate(days=[date(2026, 2, 28) + timedelta(days=n) for n in range(5)])
    return first, second


def test_by_day_every_day_of_the_range(make_auth_client, scenario):
    first, _ = scenario
    response = make_auth_client(first.campaign.advertiser.owner).get(url(first.campaign), RANGE)

    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [
        row("2026-03-01", 4, 1, "0.2500", "0.256000", "64.000000", "0.256000", 2),
        row("2026-03-02", 0, 0, None, "0.000000", None, None, 0),
        row("2026-03-03", 2, 1, "0.5000", "0.251500", "125.750000", "0.251500", 2),
    ]
    assert body["totals"] == TOTALS
    assert (body["campaign"], body["from"], body["to"], body["group_by"]) == (
        str(first.campaign.pk),
        "2026-03-01",
        "2026-03-03",
        "day",
    )


def test_by_creative(make_auth_client, scenario):
    first, second = scenario
    response = make_auth_client(first.campaign.advertiser.owner).get(
        url(first.campaign), {**RANGE, "group_by": "creative"}
    )

    assert response.status_code == 200
    expected = {
        str(first.pk): row(
            str(first.pk), 4, 1, "0.2500", "0.254500", "63.625000", "0.254500", 2, headline="A"
        ),
        str(second.pk): row(
            str(second.pk), 2, 1, "0.5000", "0.253000", "126.500000", "0.253000", 2, headline="B"
        ),
    }
    assert response.json()["rows"] == [expected[key] for key in sorted(expected)]
    assert response.json()["totals"] == TOTALS


def test_by_country(make_auth_client, scenario):
    first, _ = scenario
    response = make_auth_client(first.campaign.advertiser.owner).get(
        url(first.campaign), {**RANGE, "group_by": "country"}
    )

    assert response.json()["rows"] == [
        row("", 1, 1, "1.0000", "0.251500", "251.500000", "0.251500", 1),
        row("DE", 1, 0, "0.0000", "0.001500", "1.500000", None, 1),
        row("US", 4, 1, "0.2500", "0.254500", "63.625000", "0.254500", 2),
    ]
    assert response.json()["totals"] == TOTALS


def test_by_device(make_auth_client, scenario):
    first, _ = scenario
    response = make_auth_client(first.campaign.advertiser.owner).get(
        url(first.campaign), {**RANGE, "group_by": "device"}
    )

    assert response.json()["rows"] == [
        row("desktop", 2, 0, "0.0000", "0.001500", "0.750000", None, 2),
        row("mobile", 3, 1, "0.3333", "0.254500", "84.833333", "0.254500", 2),
        row("tv", 1, 1, "1.0000", "0.251500", "251.500000", "0.251500", 1),
    ]
    assert response.json()["totals"] == TOTALS


def test_reach_is_counted_live_from_the_raw_rows(make_auth_client, scenario):
    """Sums wait for the next aggregation; reach (distinct viewers) does not."""
    first, _ = scenario
    impression_add(first, when="2026-03-02 12:00", viewer="u9")
    response = make_auth_client(first.campaign.advertiser.owner).get(url(first.campaign), RANGE)

    assert response.json()["rows"][1] == row("2026-03-02", 0, 0, None, "0.000000", None, None, 1)
    assert response.json()["totals"]["reach"] == 4

    ads_aggregate(days=[date(2026, 3, 2)])
    response = make_auth_client(first.campaign.advertiser.owner).get(url(first.campaign), RANGE)
    assert response.json()["rows"][1] == row(
        "2026-03-02", 1, 0, "0.0000", "0.002000", "2.000000", None, 1
    )


@pytest.mark.parametrize(
    ("impressions", "clicks", "spend_micro", "ctr", "ecpm", "ecpc"),
    [
        # 1/20000 = 0.00005: half up to 0.0001; 0.05 micro-coin per thousand: down;
        # 1 micro-coin per 2 clicks: half up.
        (20_000, 1, 1, "0.0001", "0.000000", "0.000001"),
        # 1/3 and 2/3 of a click; 1,000/3 and 5,000/3 micro-coins per thousand.
        (3, 1, 1, "0.3333", "0.000333", "0.000001"),
        (3, 2, 5, "0.6667", "0.001667", "0.000003"),
        # Just under a half: down.
        (20_001, 1, 0, "0.0000", "0.000000", "0.000000"),
        (0, 0, 0, None, None, None),
    ],
)
def test_ratios_round_half_up_exactly(impressions, clicks, spend_micro, ctr, ecpm, ecpc):
    result = ReportFigures(impressions=impressions, clicks=clicks, spend_micro=spend_micro)

    def text(value):
        return None if value is None else str(value)

    assert (text(result.ctr), text(result.ecpm), text(result.ecpc)) == (ctr, ecpm, ecpc)
    assert isinstance(result.spend, Decimal)
    assert str(result.spend) == f"0.{spend_micro:06d}"


def test_large_spend_stays_exact():
    result = ReportFigures(impressions=7, clicks=3, spend_micro=123_456_789_012_345_678)
    assert str(result.spend) == "123456789012.345678"
    assert str(result.ecpm) == "17636684144620.811143"  # 123456789012345678000 / 7 micro
    assert str(result.ecpc) == "41152263004.115226"


def test_csv_by_day(make_auth_client, scenario):
    first, _ = scenario
    client = make_auth_client(first.campaign.advertiser.owner)

    for response in (
        client.get(url(first.campaign), RANGE, HTTP_ACCEPT="text/csv"),
        client.get(url(first.campaign), {**RANGE, "format": "csv"}),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="campaign-{first.campaign.pk}-day-2026-03-01-2026-03-03.csv"'
        )
        assert response.content.decode() == (
            "day,impressions,clicks,ctr,spend,ecpm,ecpc,reach\r\n"
            "2026-03-01,4,1,0.2500,0.256000,64.000000,0.256000,2\r\n"
            "2026-03-02,0,0,,0.000000,,,0\r\n"
            "2026-03-03,2,1,0.5000,0.251500,125.750000,0.251500,2\r\n"
            "total,6,2,0.3333,0.507500,84.583333,0.253750,3\r\n"
        )


def test_csv_by_creative_names_the_headline_and_defuses_formulas(make_auth_client, scenario):
    first, second = scenario
    second.headline = '=HYPERLINK("x"), "quoted"'
    second.save(update_fields=["headline"])
    response = make_auth_client(first.campaign.advertiser.owner).get(
        url(first.campaign), {**RANGE, "group_by": "creative", "format": "csv"}
    )

    lines = {
        str(first.pk): f"{first.pk},A,4,1,0.2500,0.254500,63.625000,0.254500,2\r\n",
        str(second.pk): (
            f'{second.pk},"\'=HYPERLINK(""x""), ""quoted""",2,1,0.5000,0.253000,126.500000,'
            "0.253000,2\r\n"
        ),
    }
    assert response.content.decode() == (
        "creative,headline,impressions,clicks,ctr,spend,ecpm,ecpc,reach\r\n"
        + "".join(lines[key] for key in sorted(lines))
        + "total,,6,2,0.3333,0.507500,84.583333,0.253750,3\r\n"
    )


def test_aggregated_at_says_when_the_sums_were_made(make_auth_client):
    creative = CreativeFactory()
    client = make_auth_client(creative.campaign.advertiser.owner)
    assert client.get(url(creative.campaign), RANGE).json()["aggregated_at"] is None

    ads_aggregate(days=[], now=at("2026-03-04 00:05:00"))

    assert client.get(url(creative.campaign), RANGE).json()["aggregated_at"] == (
        "2026-03-04T00:05:00Z"
    )


def test_the_range_defaults_to_the_last_thirty_days(make_auth_client):
    creative = CreativeFactory()
    response = make_auth_client(creative.campaign.advertiser.owner).get(url(creative.campaign))

    today = datetime.now(UTC).date()
    body = response.json()
    assert (body["from"], body["to"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
    )
    assert len(body["rows"]) == 30
    assert body["totals"] == figures(0, 0, None, "0.000000", None, None, 0)


def test_the_longest_range_is_366_days(make_auth_client):
    creative = CreativeFactory()
    response = make_auth_client(creative.campaign.advertiser.owner).get(
        url(creative.campaign), {"from": "2024-01-01", "to": "2024-12-31"}
    )
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 366


@pytest.mark.parametrize(
    ("query", "code", "attr"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "report_from_after_to", "from"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "report_range_too_long", "from"),
        ({"from": "2026-02-30"}, "invalid", "from"),
        ({"to": "yesterday"}, "invalid", "to"),
        ({"group_by": "week"}, "invalid_choice", "group_by"),
        ({"to": "0001-01-05"}, None, None),  # the default `from` stops at the first day
        ({"from": "9999-12-31", "to": "9999-12-31"}, None, None),
    ],
)
def test_the_query_is_validated(make_auth_client, query, code, attr):
    creative = CreativeFactory()
    response = make_auth_client(creative.campaign.advertiser.owner).get(
        url(creative.campaign), query
    )
    if code is None:
        assert response.status_code == 200
    else:
        assert error_one(response) == (code, attr)


def test_errors_are_json_when_csv_was_asked_for(make_auth_client):
    creative = CreativeFactory()
    response = make_auth_client(creative.campaign.advertiser.owner).get(
        url(creative.campaign), {"group_by": "week"}, HTTP_ACCEPT="text/csv"
    )
    assert response["Content-Type"] == "application/json"
    assert error_one(response) == ("invalid_choice", "group_by")


def test_an_unknown_format_is_not_acceptable(make_auth_client):
    creative = CreativeFactory()
    response = make_auth_client(creative.campaign.advertiser.owner).get(
        url(creative.campaign), {"format": "xml"}
    )
    assert error_one(response, status=406) == ("not_acceptable", None)


@pytest.mark.parametrize(
    ("caller", "status"),
    [("anonymous", 401), ("other", 404), ("owner", 200), ("moderator", 200), ("admin", 200)],
)
def test_who_may_read_a_report(api_client, make_auth_client, scenario, caller, status):
    first, _ = scenario
    client = {
        "anonymous": lambda: api_client,
        "other": lambda: make_auth_client(UserFactory()),
        "owner": lambda: make_auth_client(first.campaign.advertiser.owner),
        "moderator": lambda: make_auth_client(ModeratorFactory()),
        "admin": lambda: make_auth_client(AdminFactory()),
    }[caller]()

    response = client.get(url(first.campaign), {**RANGE, "format": "csv"})

    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert error_one(response, status=401) == ("not_authenticated", None)
    elif status == 404:
        assert error_one(response, status=404) == ("not_found", None)
    else:
        assert response.content.decode().endswith(
            "total,6,2,0.3333,0.507500,84.583333,0.253750,3\r\n"
        )


@pytest.mark.parametrize("campaign_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_no_such_campaign(make_auth_client, campaign_id):
    response = make_auth_client(UserFactory()).get(
        reverse("ads-campaign-report", args=[campaign_id])
    )
    assert error_one(response, status=404) == ("not_found", None)


@pytest.mark.parametrize("group_by", ["day", "creative", "country", "device"])
@pytest.mark.parametrize(
    ("query_range", "impressions"),
    [
        ({"from": "2026-03-01", "to": "2026-03-03"}, 6),
        ({"from": "2025-03-04", "to": "2026-03-04"}, 8),  # 366 days
    ],
)
def test_a_fixed_number_of_queries_whatever_the_range(
    make_auth_client, django_assert_num_queries, scenario, group_by, query_range, impressions
):
    first, _ = scenario
    client = make_auth_client(first.campaign.advertiser.owner)
    # The caller's session with its user, the campaign, the sums, reach by group and in
    # all (when the stats were aggregated is read from the cache: local memory here).
    with django_assert_num_queries(5):
        response = client.get(url(first.campaign), {**query_range, "group_by": group_by})
    assert response.status_code == 200
    assert response.json()["totals"]["impressions"] == impressions


def test_the_schema_documents_the_json_and_the_csv_answers():
    import json

    from drf_spectacular.generators import SchemaGenerator

    schema = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    operation = schema["paths"]["/api/v1/ads/campaigns/{campaign_id}/report/"]["get"]

    assert list(operation["responses"]["200"]["content"]) == ["application/json", "text/csv"]
    assert operation["responses"]["200"]["content"]["text/csv"]["schema"] == {"type": "string"}
    # Errors are JSON whatever was asked for.
    assert list(operation["responses"]["404"]["content"]) == ["application/json"]
    assert operation["responses"]["400"]["x-validation-error-codes"] == {
        "from": ["datetime", "invalid", "report_from_after_to", "report_range_too_long"],
        "group_by": ["invalid_choice"],
        "to": ["datetime", "invalid"],
    }
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "campaign_id",
        "from",
        "to",
        "group_by",
        "format",
    }
