from __future__ import annotations

from django.urls import include, path
from django.views.generic import RedirectView

app_name = "errata"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
    path("", include("errata.io_urls")),
]
