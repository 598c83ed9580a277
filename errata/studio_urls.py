"""The studio's pages, under /studio/ (see errata/studio.py).

Issue 7 adds /studio/videos/<slug>/cuts/<number>/import/ and .../export/ in its own module; the
cut page links to them by path.
"""

from __future__ import annotations

from django.urls import path

from errata import studio

app_name = "studio"

CUT = "videos/<slug:slug>/cuts/<int:number>/"
FINDING = CUT + "findings/<int:pk>/"
ERRATUM = "videos/<slug:slug>/errata/<int:pk>/"

urlpatterns = [
    path("", studio.videos, name="videos"),
    path("settings/notifications/", studio.notification_settings, name="notification_settings"),
    path("videos/<slug:slug>/", studio.video, name="video"),
    path("videos/<slug:slug>/scenes/", studio.scenes, name="scenes"),
    path("videos/<slug:slug>/cuts/new/", studio.cut_new, name="cut_new"),
    path(CUT, studio.cut, name="cut"),
    path(CUT + "carry/", studio.cut_carry, name="cut_carry"),
    path(CUT + "links/", studio.review_link_new, name="review_link_new"),
    path(CUT + "links/<int:pk>/revoke/", studio.review_link_revoke, name="review_link_revoke"),
    path(CUT + "inbox/", studio.inbox, name="inbox"),
    path(CUT + "inbox/accept/", studio.inbox_accept, name="inbox_accept"),
    path(CUT + "inbox/add/", studio.inbox_add_to_erratum, name="inbox_add"),
    path(CUT + "inbox/dismiss/", studio.inbox_dismiss, name="inbox_dismiss"),
    path(FINDING + "split/", studio.finding_split, name="finding_split"),
    path(FINDING + "edit/", studio.finding_edit, name="finding_edit"),
    path(FINDING + "reply/", studio.finding_reply, name="finding_reply"),
    path(FINDING + "restore/", studio.finding_restore, name="finding_restore"),
    path(CUT + "board/", studio.board, name="board"),
    path(CUT + "timeline/", studio.timeline, name="timeline"),
    path(CUT + "timeline/spans/", studio.span_create, name="span_create"),
    path(CUT + "timeline/spans/<int:pk>/", studio.span_update, name="span_update"),
    path(CUT + "timeline/spans/<int:pk>/delete/", studio.span_delete, name="span_delete"),
    path(ERRATUM, studio.erratum, name="erratum"),
    path(ERRATUM + "edit/", studio.erratum_edit, name="erratum_edit"),
    path(ERRATUM + "status/", studio.erratum_status, name="erratum_status"),
    path(ERRATUM + "merge/", studio.erratum_merge, name="erratum_merge"),
    path(
        ERRATUM + "findings/<int:finding_pk>/remove/",
        studio.erratum_remove_finding,
        name="erratum_remove_finding",
    ),
]
