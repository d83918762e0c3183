"""Amounts of money: integers in the currency's minor units (Stripe's), shown to people."""

from django.contrib import admin

# ISO 4217 currencies whose minor unit is not a hundredth (Stripe's list).
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def money_format(amount: int, currency: str) -> str:
    """`499, "USD"` -> `"4.99 USD"`: minor units shown in major units, exactly."""
    currency = currency.upper()
    if currency in ZERO_DECIMAL_CURRENCIES:
        digits = 0
    elif currency in THREE_DECIMAL_CURRENCIES:
        digits = 3
    else:
        digits = 2
    if not digits:
        return f"{amount} {currency}"
    major, minor = divmod(amount, 10**digits)
    return f"{major}.{minor:0{digits}d} {currency}"


def money_display(amount_field: str, *, description: str):
    """An admin column or field showing `amount_field` (minor units) with the row's
    `currency` as money: `money_display("price", description="price")`."""

    @admin.display(description=description, ordering=amount_field)
    def shown(self, row) -> str:
        return money_format(getattr(row, amount_field), row.currency)

    return shown
