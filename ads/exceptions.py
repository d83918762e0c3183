"""The ads app's errors, each with a stable code a client can switch on.

Advertisers, campaigns and creatives of others answer DRF's `NotFound` (`not_found`,
404), as if they did not exist (`ads.selectors`). Each area keeps its errors together
under a comment naming it; append new areas at the end.
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException

from core.exceptions import FieldRejection

# Management: advertisers, campaigns, creatives (services/advertisers.py,
# services/campaigns.py, services/creatives.py).


class AdvertiserExists(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "You already have an advertiser account."
    default_code = "advertiser_exists"


class AdvertiserRequired(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Create your advertiser account first."
    default_code = "advertiser_required"


class AdvertiserOwnerRestricted(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only active users may advertise."
    default_code = "advertiser_owner_restricted"


class AdvertiserSuspended(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "The advertiser is suspended: it may withdraw its coins, nothing else."
    default_code = "advertiser_suspended"


class AdvertiserBalanceInsufficient(APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "The advertiser's spendable coins are fewer than this amount."
    default_code = "advertiser_balance_insufficient"


class AdvertiserBalanceEmpty(APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "The advertiser has no spendable coins: fund it first."
    default_code = "advertiser_balance_empty"


class CampaignNotEditable(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Only draft, paused and active campaigns can be changed."
    default_code = "campaign_not_editable"


class CampaignNotActive(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Only an active campaign can be paused."
    default_code = "campaign_not_active"


class CampaignEnded(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The campaign has ended."
    default_code = "campaign_ended"


class CampaignBudgetSpent(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The campaign's total budget is spent."
    default_code = "campaign_budget_spent"


class NoApprovedCreative(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The campaign needs a creative approved by staff first."
    default_code = "no_approved_creative"


class CampaignHasSpend(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The campaign has spent coins and its records stay: pause it instead."
    default_code = "campaign_has_spend"


class CreativeWasServed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "The creative was served and its records stay for the reports: pause its campaign instead."
    )
    default_code = "creative_was_served"


BID_MAX_COINS = 1_000_000
BID_INVALID = FieldRejection(
    "bid",
    "bid_invalid",
    "A bid is a positive number of coins with at most 3 decimals, written as a string "
    '("2.5"), of at most {maximum} coins.',
    maximum=lambda: BID_MAX_COINS,
)
CAMPAIGN_ENDS_BEFORE_START = FieldRejection(
    "end_at", "end_before_start", "A campaign ends after it starts."
)
DAILY_BUDGET_OVER_TOTAL = FieldRejection(
    "daily_budget", "daily_over_total", "The daily budget is at most the total budget."
)
TOTAL_BUDGET_BELOW_SPENT = FieldRejection(
    "total_budget", "budget_below_spent", "The total budget is at least the coins already spent."
)
DAILY_BUDGET_BELOW_SPENT = FieldRejection(
    "daily_budget",
    "budget_below_spent",
    "The daily budget is at least the coins already spent today.",
)
FREQUENCY_CAP_INCOMPLETE = FieldRejection(
    "frequency_cap",
    "frequency_cap_incomplete",
    "A frequency cap has both `max_impressions` and `per`, or is null.",
)
AGE_RANGE_INVALID = FieldRejection(
    "target_age_max", "age_range_invalid", "The age range's minimum is at most its maximum."
)
COUNTRY_INVALID = FieldRejection(
    "target_countries",
    "country_invalid",
    'Countries are ISO 3166-1 alpha-2 codes in upper case ("FR").',
)
LANGUAGE_INVALID = FieldRejection(
    "target_languages",
    "language_invalid",
    'Languages are BCP 47 primary tags in lower case ("en").',
)
VIDEO_NOT_PROMOTABLE = FieldRejection(
    "video",
    "video_not_promotable",
    "Only a video of the advertiser's owner that is public and ready can be promoted.",
)
CLICK_URL_INVALID = FieldRejection(
    "click_url", "click_url_invalid", "The click URL is an absolute http:// or https:// URL."
)
REASON_REQUIRED = FieldRejection("reason", "reason_required", "Say why.")


# Tracking and billing (services/tracking.py): the served ad's token.

AD_TOKEN_INVALID = FieldRejection(
    "token",
    "ad_token_invalid",
    "This ad token is forged or malformed; use the token the ad was served with.",
)
AD_TOKEN_EXPIRED = FieldRejection(
    "token",
    "ad_token_expired",
    "This ad token has expired: a served ad's token lasts {seconds} seconds.",
    seconds=lambda: settings.ADS_TOKEN_SECONDS,
)

# VAST (views/vast.py): what the pre-roll endpoint refuses.

VAST_PLACEMENT_UNSUPPORTED = FieldRejection(
    "placement",
    "vast_placement_unsupported",
    "VAST answers the preroll placement only (or no placement at all).",
)

# Reports (views/reports.py): the date range of `GET ads/campaigns/{id}/report/`.

REPORT_MAX_DAYS = 366

REPORT_FROM_AFTER_TO = FieldRejection(
    "from", "report_from_after_to", "`from` must be on or before `to`."
)
REPORT_RANGE_TOO_LONG = FieldRejection(
    "from",
    "report_range_too_long",
    "A report covers at most {max_days} days, `from` and `to` included.",
    max_days=REPORT_MAX_DAYS,
)
