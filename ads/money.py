"""Coins as the ads API writes them: a bid as a decimal string of at most 3 decimals
(thousandths of a coin, exactly: Decimal, never float), spend as a decimal string of
micro-coins (6 decimals)."""

import re
from decimal import Decimal

from ads.models import MICROS_PER_COIN, MILLIS_PER_COIN

_BID = re.compile(r"\A[0-9]{1,12}(\.[0-9]{1,3})?\Z")


def bid_millicoins_parse(text: str) -> int | None:
    """`"2.5"` -> 2500 thousandths of a coin; None for anything that is not a
    non-negative decimal with at most 3 decimals (ASCII digits only)."""
    if not isinstance(text, str) or not _BID.match(text):
        return None
    return int(Decimal(text) * MILLIS_PER_COIN)


def bid_display(millicoins: int) -> str:
    """2500 -> `"2.5"`, 2000 -> `"2"`, 1 -> `"0.001"`: the shortest exact decimal."""
    coins, millis = divmod(millicoins, MILLIS_PER_COIN)
    if not millis:
        return str(coins)
    return f"{coins}.{millis:03d}".rstrip("0")


def micro_coins_display(micro: int) -> str:
    """1_234_567 micro-coins -> `"1.234567"` (always 6 decimals: exact)."""
    coins, fraction = divmod(micro, MICROS_PER_COIN)
    return f"{coins}.{fraction:06d}"
