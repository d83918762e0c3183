"""Reads of the ledger as a whole: the platform's revenue."""

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from payments.models import LedgerAccount


def platform_revenue_totals() -> tuple[int, int]:
    """`(coins, accounts)`: the platform's revenue, summed over its shards (whatever
    `PLATFORM_REVENUE_SHARDS` is now or was), and how many shard accounts hold it."""
    totals = LedgerAccount.objects.filter(
        owner__isnull=True, role=LedgerAccount.Role.PLATFORM_REVENUE
    ).aggregate(coins=Coalesce(Sum("balance"), 0), accounts=Count("pk"))
    return totals["coins"], totals["accounts"]


def platform_revenue_balance() -> int:
    """The platform's revenue: the sum of its shards' balances."""
    return platform_revenue_totals()[0]
