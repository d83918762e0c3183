"""Ads app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ads.views import advertisers, campaigns, creatives

router = SimpleRouter()
# Management (views/advertisers.py, views/campaigns.py, views/creatives.py).
router.register("ads/advertisers", advertisers.AdvertiserViewSet, basename="ads-advertiser")
router.register("ads/campaigns", campaigns.CampaignViewSet, basename="ads-campaign")
router.register("ads/creatives", creatives.CreativeViewSet, basename="ads-creative")

urlpatterns = [
    path(
        "ads/campaigns/<str:campaign_id>/creatives/",
        creatives.CampaignCreativeListView.as_view(),
        name="ads-campaign-creatives",
    ),
    *router.urls,
]
