"""The ads app's errors, each with a stable code a client can switch on.

Advertisers, campaigns and creatives the caller may not see answer DRF's `NotFound`
(`not_found`, 404), as if they did not exist. Each area keeps its refusals together
under a comment naming it.
"""

from core.exceptions import FieldRejection

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
