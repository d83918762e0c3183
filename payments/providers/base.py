"""What every payment provider offers: a hosted checkout, a refund, a webhook secret."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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
