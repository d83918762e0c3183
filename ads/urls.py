"""Ads app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ads.views.serving import AdServeView
from ads.views.tracking import ClickView, ImpressionPixelView, ImpressionView, TrackingEventView
from ads.views.vast import VastView

router = SimpleRouter()

urlpatterns = [*router.urls]

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
