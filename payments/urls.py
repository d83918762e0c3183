"""Payments app: API routes, mounted under /api/v1/."""

from django.urls import path

from payments.views import subscriptions, tips, top_ups, wallet

urlpatterns = [
    # -- wallet, earnings, payouts (views/wallet.py) --
    path("wallet/", wallet.WalletView.as_view(), name="wallet"),
    path(
        "wallet/transactions/",
        wallet.WalletTransactionListView.as_view(),
        name="wallet-transactions",
    ),
    path("earnings/", wallet.EarningsView.as_view(), name="earnings"),
    path(
        "earnings/transactions/",
        wallet.EarningsTransactionListView.as_view(),
        name="earnings-transactions",
    ),
    path("payouts/", wallet.PayoutListView.as_view(), name="payout-list"),
    path("payouts/<str:payout_id>/", wallet.PayoutDetailView.as_view(), name="payout-detail"),
    # -- top-ups, packages, webhooks, sandbox checkout (views/top_ups.py) --
    path("wallet/packages/", top_ups.CoinPackageListView.as_view(), name="wallet-packages"),
    path("wallet/top-ups/", top_ups.TopUpListCreateView.as_view(), name="top-up-list"),
    path(
        "wallet/top-ups/<str:top_up_id>/",
        top_ups.TopUpDetailView.as_view(),
        name="top-up-detail",
    ),
    path(
        "payments/webhooks/stripe/",
        top_ups.StripeWebhookView.as_view(),
        name="payments-webhook-stripe",
    ),
    path(
        "payments/webhooks/sandbox/",
        top_ups.SandboxWebhookView.as_view(),
        name="payments-webhook-sandbox",
    ),
    path(
        "payments/sandbox/checkout/<str:checkout_id>/",
        top_ups.SandboxCheckoutView.as_view(),
        name="payments-sandbox-checkout",
    ),
    # -- tips (views/tips.py) --
    path("tips/", tips.TipListCreateView.as_view(), name="tip-list"),
    # -- tiers and subscriptions (views/subscriptions.py) --
    path(
        "creators/me/tiers/",
        subscriptions.CreatorTierListCreateView.as_view(),
        name="creator-me-tier-list",
    ),
    path(
        "creators/me/tiers/<str:tier_id>/",
        subscriptions.CreatorTierDetailView.as_view(),
        name="creator-me-tier-detail",
    ),
    path(
        "creators/me/subscribers/",
        subscriptions.CreatorSubscriberListView.as_view(),
        name="creator-me-subscriber-list",
    ),
    path(
        "users/<username:username>/tiers/",
        subscriptions.UserTierListView.as_view(),
        name="user-tiers",
    ),
    path(
        "subscriptions/",
        subscriptions.SubscriptionListCreateView.as_view(),
        name="subscription-list",
    ),
    path(
        "subscriptions/<str:subscription_id>/",
        subscriptions.SubscriptionDetailView.as_view(),
        name="subscription-detail",
    ),
]
