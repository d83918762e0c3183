"""Payments app: reads: querysets with their joins, prefetches and annotations.

One module per area (`wallet`, `top_ups`, `tips`, `subscriptions`, `ledger`: the
platform's revenue, and `recipients`: whom a user may pay); this one holds what other
apps ask through `core`.
"""

from django.db.models import QuerySet

from payments.models import Subscription


class PaymentsSubscriptions:
    """What `core.subscriptions` asks: whose subscribers-only videos a user may watch,
    and who may watch a creator's.

    Access follows the status: `active` subscriptions (including those cancelled at
    period end, until the renewal run ends them) give access; `past_due`, `canceled`
    and `expired` do not.
    """

    def subscribed_creator_ids(self, user) -> QuerySet:
        return Subscription.objects.filter(
            subscriber=user, status=Subscription.Status.ACTIVE
        ).values("creator_id")

    def subscriber_user_ids(self, creator) -> QuerySet:
        return Subscription.objects.filter(
            creator=creator, status=Subscription.Status.ACTIVE
        ).values("subscriber_id")
