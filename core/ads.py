"""Promoted items in the video feeds, asked by an app that cannot import the app that
sells them.

The feeds live in `videos`, the ads in `ads`, which sits above it. So the feeds ask this
module for the promoted items of a page, and `ads` registers the answer when it is ready
(`feed_promotions_register`). Until then no feed carries any (`promoted` is `[]`).

A promoted item is a JSON object whose `position` is the index in the page's `results`
it goes before; the provider also names the serializer of that shape, which the feeds'
schema documents (`promoted_item_serializer`, read lazily, once apps are ready).
"""

from typing import Protocol

from rest_framework import serializers


class NoPromotedItemSerializer(serializers.Serializer):
    """The shape of a promoted item when no app provides them (there never is one)."""

    position = serializers.IntegerField(
        min_value=1, help_text="The index in `results` the item goes before."
    )


class FeedPromotions(Protocol):
    # The serializer documenting one promoted item (it has a `position` field).
    item_serializer: type[serializers.Serializer]

    def feed_promoted(self, *, request, result_count: int) -> list[dict]:
        """The promoted items of a feed page of `result_count` results shown to
        `request`'s caller, by position, each already serialized."""


class NoFeedPromotions:
    item_serializer = NoPromotedItemSerializer

    def feed_promoted(self, *, request, result_count: int) -> list[dict]:
        return []


_feed_promotions: FeedPromotions = NoFeedPromotions()


def feed_promotions() -> FeedPromotions:
    return _feed_promotions


def feed_promotions_register(provider: FeedPromotions) -> None:
    """Called once by the app that serves promoted items, from `AppConfig.ready`."""
    global _feed_promotions
    _feed_promotions = provider


def promoted_item_serializer(*args, **kwargs) -> serializers.Serializer:
    """The registered provider's item serializer, built with `args` and `kwargs`: for
    `drf_spectacular.helpers.lazy_serializer`, so the schema reads the provider at
    generation time, not when the feeds' module is imported."""
    return _feed_promotions.item_serializer(*args, **kwargs)
