"""Ads app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ads.views import reports

router = SimpleRouter()

urlpatterns = [
    *router.urls,
    path(
        "ads/campaigns/<str:campaign_id>/report/",
        reports.CampaignReportView.as_view(),
        name="ads-campaign-report",
    ),
]
