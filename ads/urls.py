"""Ads app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ads.views import advertisers, campaigns, creatives, reports
from ads.views.serving import AdServeView
from ads.views.tracking import ClickView, ImpressionPixelView, ImpressionView, TrackingEventView
from ads.views.vast import VastView

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
    path(
        "ads/campaigns/<str:campaign_id>/report/",
        reports.CampaignReportView.as_view(),
        name="ads-campaign-report",
    ),
    *router.urls,
]

# Serving (ads/views/serving.py) and VAST pre-rolls (ads/views/vast.py).
urlpatterns += [
    path("ads/serve/", AdServeView.as_view(), name="ads-serve"),
    path("ads/vast/", VastView.as_view(), name="ads-vast"),
]

# Tracking and billing: what players and browsers call about a served ad.
urlpatterns += [
    path("ads/impressions/", ImpressionView.as_view(), name="ads-impressions"),
    path("ads/i/<str:token>/", ImpressionPixelView.as_view(), name="ads-impression-pixel"),
    path("ads/click/<str:token>/", ClickView.as_view(), name="ads-click"),
    path("ads/t/<str:token>/<str:event>/", TrackingEventView.as_view(), name="ads-tracking-event"),
]
