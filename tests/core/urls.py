"""The project's URLs plus the test-only views under /api/v1/test/."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns
from tests.testapp import views

urlpatterns = [
    path("api/v1/test/entries/", views.EntryListView.as_view()),
    path("api/v1/test/entries-by-rank/", views.EntryByRankView.as_view()),
    path("api/v1/test/private/", views.PrivateView.as_view()),
    path("api/v1/test/explode/", views.ExplodingView.as_view()),
    path("api/v1/test/throttled/", views.ThrottledView.as_view()),
    path("api/v1/test/echo/", views.EchoView.as_view()),
    *project_urlpatterns,
]
