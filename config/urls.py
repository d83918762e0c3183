"""The project's URLs: the API under /api/v1/, its schema and docs, and the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from core.metrics import metrics_view
from videos.views.files import media_urlpatterns

api_v1 = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("videos.urls")),
    path("", include("social.urls")),
    path("", include("notifications.urls")),
    path("", include("payments.urls")),
    path("", include("ads.urls")),
    path("live/", include("livestream.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html"),
        name="redoc",
    ),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
]

# MEDIA_URL, when the app serves it (SERVE_MEDIA, or S3's signed playlists).
urlpatterns += media_urlpatterns()

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
