"""Payment providers: where a top-up is paid and refunded, behind one interface.

`provider_get()` answers the provider `settings.PAYMENTS_PROVIDER` names (`sandbox`, the
embedded default, or `stripe`); `provider_get(top_up.provider)` the one a top-up was
made with, so a refund or a late webhook reaches the provider that took the money
even after the setting changed. Webhooks of every provider are verified the Stripe way
(`signatures.py`).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from payments.models import TopUp


@dataclass(frozen=True)
class Checkout:
    """A hosted checkout the payer is sent to."""

    id: str
    url: str


class PaymentProvider(Protocol):
    name: str

    def checkout_create(self, *, top_up: "TopUp", base_url: str) -> Checkout:
        """Open a checkout for the (not yet saved) `top_up`; `base_url` is this API's
        address as the client reached it. Raises `PaymentProviderError`."""
        ...

    def refund_create(self, *, top_up: "TopUp") -> str:
        """Give back the whole of a paid `top_up`; the provider's refund id. Idempotent
        per top-up. Raises `PaymentProviderError`."""
        ...

    @property
    def webhook_secret(self) -> str:
        """The secret the provider's webhook events are signed with."""
        ...


def provider_get(name: str | None = None) -> PaymentProvider:
    """The provider called `name`, or the configured one (`PAYMENTS_PROVIDER`)."""
    name = name or settings.PAYMENTS_PROVIDER
    if name == "stripe":
        from payments.providers.stripe import StripeProvider

        return StripeProvider()
    if name == "sandbox":
        from payments.providers.sandbox import SandboxProvider

        return SandboxProvider()
    raise ValueError(f"Unknown payment provider {name!r}.")


def sandbox_is_enabled() -> bool:
    """The sandbox checkout and its webhook exist only while it is the configured
    provider: a production site on Stripe has no page that pays for free."""
    return settings.PAYMENTS_PROVIDER == "sandbox"
