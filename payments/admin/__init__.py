"""Payments app: Django admin registrations, one module per area.

Ledger rows are read-only everywhere: staff move money only through the actions here,
which call the services (refunds, payout approvals), never by editing balances.
"""

from payments.admin import ledger, subscriptions, top_ups  # noqa: F401
