"""Ads app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ads.views import vast

router = SimpleRouter()

urlpatterns = [
    *router.urls,
    # VAST pre-rolls (views/vast.py)
    path("ads/vast/", vast.VastView.as_view(), name="ads-vast"),
]
