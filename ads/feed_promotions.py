"""The promoted items of the video feeds (`feed/following/`, `feed/for-you/`,
`feed/trending/`), given to `videos` through `core.ads`.

With `ADS_FEED_INTERVAL` = K > 0, a page of n results has a slot before results K, 2K,
... (every index below n that is a multiple of K): one promoted item after every K
videos, never before the first one nor after the last. Each slot gets a different
campaign's ad, best first (`ads_select`, placement `feed`); when fewer ads are eligible
than there are slots, the first slots are filled and the rest stay empty. `results`,
`next` and `previous` are untouched, so cursors work as without ads. Positions count
within the page: each page has its own slots.

Cost: one serving decision per page that has a slot (none for a page of K results or
fewer, nor with K = 0), whatever the page size.
"""

from django.conf import settings

from ads.models import Campaign
from ads.selectors.serving import ads_select
from ads.serializers.serving import PromotedAd, PromotedItemSerializer
from ads.viewers import ad_viewer_from_request


def feed_promoted_positions(*, result_count: int, interval: int) -> list[int]:
    """The slots of a page of `result_count` results: K, 2K, ... below it."""
    if interval <= 0:
        return []
    return list(range(interval, result_count, interval))


class AdsFeedPromotions:
    """What `ads` registers in `core.ads` (AdsConfig.ready)."""

    item_serializer = PromotedItemSerializer

    def feed_promoted(self, *, request, result_count: int) -> list[dict]:
        positions = feed_promoted_positions(
            result_count=result_count, interval=settings.ADS_FEED_INTERVAL
        )
        if not positions:
            return []
        served = ads_select(
            viewer=ad_viewer_from_request(request),
            placement=Campaign.Placement.FEED,
            count=len(positions),
        )
        items = [
            PromotedAd(creative=ad.creative, token=ad.token, ticket=ad.ticket, position=position)
            for position, ad in zip(positions, served, strict=False)
        ]
        return PromotedItemSerializer(items, many=True, context={"request": request}).data
