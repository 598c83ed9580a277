"""The app's pages: the patron review page, unsubscribe, and the studio (api/ has its own)."""

from __future__ import annotations

from django.urls import include, path
from django.views.generic import RedirectView

from errata.web.review import edits, mine, views
from errata.web.studio import teams

app_name = "errata"

urlpatterns = [
    path("", RedirectView.as_view(url="/studio/", permanent=False), name="home"),
    # The patron review page and what it asks for; every one of them checks the link first.
    path("r/<str:token>/", views.review_page, name="review"),
    path("r/<str:token>/comments/", views.review_comments, name="review-comments"),
    path("r/<str:token>/comments/new/", views.review_comment_create, name="review-comment-create"),
    path("r/<str:token>/preview/", views.review_preview, name="review-preview"),
    path("r/<str:token>/metoo/<int:finding_id>/", views.review_metoo, name="review-metoo"),
    path(
        "r/<str:token>/metoo/<int:finding_id>/undo/",
        edits.review_metoo_undo,
        name="review-metoo-undo",
    ),
    path(
        "r/<str:token>/comments/<int:comment_id>/edit/",
        edits.review_comment_edit_view,
        name="review-comment-edit",
    ),
    path(
        "r/<str:token>/comments/<int:comment_id>/delete/",
        edits.review_comment_delete_view,
        name="review-comment-delete",
    ),
    path("r/<str:token>/forget/", views.review_forget, name="review-forget"),
    path("r/<str:token>/media/", views.review_media, name="review-media"),
    path("r/<str:token>/media/poster.jpg", views.review_poster, name="review-poster"),
    path("r/<str:token>/media/sprite.jpg", views.review_sprite, name="review-sprite"),
    path("r/<str:token>/media/thumbnails.vtt", views.review_thumbnails, name="review-thumbnails"),
    path("r/<str:token>/mine/", mine.review_mine, name="review-mine"),
    path("unsubscribe/<str:token>/", mine.unsubscribe, name="unsubscribe"),
    path("invitations/<str:token>/", teams.invitation, name="invitation"),
    path("studio/", include("errata.web.studio.urls")),
    path("", include("errata.web.studio.io_urls")),
]
