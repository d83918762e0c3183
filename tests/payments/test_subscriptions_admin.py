"""The Django admin for tips (read-only), tiers (editable, never deleted) and
subscriptions (read-only, filtered by status)."""

import pytest

from payments.models import CreatorTier, Subscription, Tip
from payments.services.subscriptions import subscription_create
from payments.services.tips import tip_send
from tests.accounts.factories import UserFactory
from tests.payments.factories import CreatorTierFactory, wallet_fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows_made(creator):
    fan = UserFactory(username="fan")
    wallet_fund(fan, 1000)
    tip = tip_send(sender=fan, recipient=creator, amount=10)
    tier = CreatorTierFactory(creator=creator, name="Gold", price=300)
    subscription = subscription_create(subscriber=fan, tier=tier)
    return tip, tier, subscription


def test_the_lists_show_the_rows(admin_client, rows_made):
    tip, tier, subscription = rows_made

    for url, row in [
        ("/admin/payments/tip/", tip),
        ("/admin/payments/creatortier/", tier),
        ("/admin/payments/subscription/", subscription),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [row]
    tier_row = admin_client.get("/admin/payments/creatortier/").context["cl"].result_list[0]
    assert tier_row.subscriber_count == 1


def test_subscriptions_are_filtered_by_status(admin_client, rows_made):
    _, _, subscription = rows_made

    active = admin_client.get("/admin/payments/subscription/?status__exact=active")
    expired = admin_client.get("/admin/payments/subscription/?status__exact=expired")

    assert list(active.context["cl"].result_list) == [subscription]
    assert list(expired.context["cl"].result_list) == []


def test_tips_and_subscriptions_are_read_only(admin_client, rows_made):
    tip, _, subscription = rows_made

    assert admin_client.get("/admin/payments/tip/add/").status_code == 403
    assert admin_client.get("/admin/payments/subscription/add/").status_code == 403
    assert admin_client.get(f"/admin/payments/tip/{tip.pk}/change/").status_code == 200
    response = admin_client.post(
        f"/admin/payments/subscription/{subscription.pk}/change/", {"status": "expired"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(f"/admin/payments/tip/{tip.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert Tip.objects.count() == 1


def test_staff_edit_a_tier_but_never_delete_it(admin_client, rows_made):
    _, tier, _ = rows_made

    response = admin_client.post(
        f"/admin/payments/creatortier/{tier.pk}/change/",
        {"name": "Platinum", "price": 400, "perks": "A,B", "active": "on"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    tier.refresh_from_db()
    assert (tier.name, tier.price, tier.perks) == ("Platinum", 400, ["A", "B"])
    deleted = admin_client.post(f"/admin/payments/creatortier/{tier.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert CreatorTier.objects.filter(pk=tier.pk).exists()
