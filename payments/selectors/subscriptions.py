"""Reads for creator tiers and subscriptions (views/subscriptions.py)."""

from django.db.models import Count, Q, QuerySet
from rest_framework.exceptions import NotFound

from accounts.models import User
from core.access import is_staff, uuid_or_404
from payments.models import CreatorTier, Subscription

# -- tiers ---------------------------------------------------------------------------


def tier_list_annotated(queryset: QuerySet[CreatorTier] | None = None) -> QuerySet[CreatorTier]:
    """Tiers with `subscriber_count` (their `active` subscriptions) counted in the same
    query."""
    queryset = CreatorTier.objects.all() if queryset is None else queryset
    return queryset.annotate(
        subscriber_count=Count(
            "subscriptions", filter=Q(subscriptions__status=Subscription.Status.ACTIVE)
        )
    )


def tier_list_for_creator(*, creator: User) -> QuerySet[CreatorTier]:
    """All of `creator`'s own tiers, inactive ones too, with `subscriber_count`."""
    return tier_list_annotated(CreatorTier.objects.filter(creator=creator))


def tier_get_own(*, creator: User, tier_id) -> CreatorTier:
    """`creator`'s tier `tier_id` with `subscriber_count`; 404 for anyone else's."""
    tier = tier_list_for_creator(creator=creator).filter(pk=uuid_or_404(tier_id)).first()
    if tier is None:
        raise NotFound()
    return tier


def tier_list_public(*, creator: User) -> QuerySet[CreatorTier]:
    """The tiers `creator` takes subscribers for (active ones)."""
    return CreatorTier.objects.filter(creator=creator, active=True)


def tier_get_for_subscribing(*, tier_id) -> CreatorTier:
    """The tier `tier_id` with its creator joined, whatever its state (the service
    decides); 404 when there is none."""
    tier = CreatorTier.objects.select_related("creator").filter(pk=uuid_or_404(tier_id)).first()
    if tier is None:
        raise NotFound()
    return tier


# -- subscriptions -------------------------------------------------------------------


def subscription_queryset() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("tier", "creator", "subscriber")


def subscription_list_for_subscriber(*, subscriber: User) -> QuerySet[Subscription]:
    """`subscriber`'s subscriptions, whatever their status (order by `-created_at`)."""
    return subscription_queryset().filter(subscriber=subscriber)


def subscription_list_live_for_creator(*, creator: User) -> QuerySet[Subscription]:
    """`creator`'s live subscriptions (active or past due), subscriber joined."""
    return subscription_queryset().filter(creator=creator, status__in=Subscription.LIVE_STATUSES)


def access_subscription(*, viewer: User, subscription_id) -> Subscription:
    """The subscription `subscription_id` if `viewer` is its subscriber or staff, else
    404 (`not_found`). Changing it is the subscriber's alone (the services check)."""
    queryset = subscription_queryset().filter(pk=uuid_or_404(subscription_id))
    if not is_staff(viewer):
        queryset = queryset.filter(subscriber=viewer)
    subscription = queryset.first()
    if subscription is None:
        raise NotFound()
    return subscription
