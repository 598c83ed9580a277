"""/api/: the REST API's routes. Any other /api/ address answers 404 in the API's error shape."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from errata.api import views
from errata.api.exceptions import api_not_found

router = DefaultRouter()
router.register("teams", views.TeamViewSet, basename="team")
router.register("videos", views.VideoViewSet, basename="video")
router.register("cuts", views.CutViewSet, basename="cut")
router.register("scenes", views.SceneViewSet, basename="scene")
router.register("spans", views.SceneSpanViewSet, basename="span")
router.register("review-links", views.ReviewLinkViewSet, basename="review-link")
router.register("comments", views.CommentViewSet, basename="comment")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("errata", views.ErratumViewSet, basename="erratum")
router.register("tokens", views.ApiTokenViewSet, basename="token")
router.register("webhooks", views.WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("import-jobs", views.ImportJobViewSet, basename="import-job")
router.register("export-jobs", views.ExportJobViewSet, basename="export-job")
router.register("undo", views.UndoViewSet, basename="undo")

app_name = "api"

urlpatterns = [
    path("", include(router.urls)),
    re_path(r"^.*$", api_not_found),
]
