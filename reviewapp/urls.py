from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from errata.web.health import healthz
from errata.web.languages import set_language

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # The language switcher posts here (Django's set_language, remembered on the account too).
    path("i18n/setlang/", set_language, name="set_language"),
    # The schema and its documentation page (assets from drf-spectacular-sidecar, no CDN).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("errata.api.urls")),
    path("", include("errata.web.urls")),
]
