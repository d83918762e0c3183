"""Ads app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ads.views.serving import AdServeView

router = SimpleRouter()

urlpatterns = [*router.urls]

# Serving (ads/views/serving.py).
urlpatterns += [
    path("ads/serve/", AdServeView.as_view(), name="ads-serve"),
]
