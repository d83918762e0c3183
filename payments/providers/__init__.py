"""Payment providers: where a top-up is paid and refunded, behind one interface.

`provider_get()` answers the provider `settings.PAYMENTS_PROVIDER` names (`sandbox`, the
embedded default, or `stripe`); `provider_get(top_up.provider)` the one a top-up was
made with, so a refund or a late webhook reaches the provider that took the money
even after the setting changed. Webhooks of every provider are verified the Stripe way
(`signatures.py`).
"""

from django.conf import settings

from payments.providers.base import PaymentProvider
from payments.providers.sandbox import SandboxProvider
from payments.providers.stripe import StripeProvider


def provider_get(name: str | None = None) -> PaymentProvider:
    """The provider called `name`, or the configured one (`PAYMENTS_PROVIDER`)."""
    name = name or settings.PAYMENTS_PROVIDER
    if name == "stripe":
        return StripeProvider()
    if name == "sandbox":
        return SandboxProvider()
    raise ValueError(f"Unknown payment provider {name!r}.")


def sandbox_is_enabled() -> bool:
    """The sandbox checkout and its webhook exist only while it is the configured
    provider: a production site on Stripe has no page that pays for free."""
    return settings.PAYMENTS_PROVIDER == "sandbox"
