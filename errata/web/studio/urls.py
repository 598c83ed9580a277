"""The studio's pages, under /studio/ (views in errata/web/studio/)."""

from __future__ import annotations

from django.urls import path

from errata.web.studio import (
    channels,
    cuts,
    errata,
    inbox,
    inbox_bulk,
    media,
    platforms,
    teams,
    timeline,
    undo,
)

app_name = "studio"

CUT = "videos/<slug:slug>/cuts/<int:number>/"
FINDING = CUT + "findings/<int:pk>/"
ERRATUM = "videos/<slug:slug>/errata/<int:pk>/"

urlpatterns = [
    path("", cuts.videos, name="videos"),
    path("settings/notifications/", cuts.notification_settings, name="notification_settings"),
    path("settings/account/", teams.account_settings, name="account_settings"),
    path("welcome/", teams.welcome, name="welcome"),
    path("teams/new/", teams.team_new, name="team_new"),
    path("teams/<slug:slug>/", teams.team, name="team"),
    path("teams/<slug:slug>/invitations/", teams.invitation_new, name="invitation_new"),
    path(
        "teams/<slug:slug>/invitations/<int:pk>/revoke/",
        teams.invitation_revoke,
        name="invitation_revoke",
    ),
    path("teams/<slug:slug>/patreon/", teams.team_patreon, name="team_patreon"),
    path("teams/<slug:slug>/channels/", channels.channels, name="channels"),
    path("teams/<slug:slug>/channels/new/", channels.channel_new, name="channel_new"),
    path("teams/<slug:slug>/channels/<int:pk>/test/", channels.channel_test, name="channel_test"),
    path(
        "teams/<slug:slug>/channels/<int:pk>/delete/",
        channels.channel_delete,
        name="channel_delete",
    ),
    path("videos/new/", teams.video_new, name="video_new"),
    path("videos/<slug:slug>/", cuts.video, name="video"),
    path("videos/<slug:slug>/undo/<int:pk>/", undo.undo, name="undo"),
    path("videos/<slug:slug>/scenes/", timeline.scenes, name="scenes"),
    path("videos/<slug:slug>/cuts/new/", cuts.cut_new, name="cut_new"),
    path(CUT, cuts.cut, name="cut"),
    path(CUT + "carry/", cuts.cut_carry, name="cut_carry"),
    path(CUT + "edit/", cuts.cut_edit, name="cut_edit"),
    path(CUT + "delete/", cuts.cut_delete_view, name="cut_delete"),
    path(CUT + "links/", cuts.review_link_new, name="review_link_new"),
    path(CUT + "links/<int:pk>/revoke/", cuts.review_link_revoke, name="review_link_revoke"),
    path(CUT + "youtube/", platforms.youtube_connect, name="youtube_connect"),
    path(CUT + "youtube/pull/", platforms.youtube_pull_now, name="youtube_pull"),
    path(CUT + "youtube/stop/", platforms.youtube_disconnect, name="youtube_disconnect"),
    path(CUT + "youtube/captions/", platforms.youtube_captions, name="youtube_captions"),
    path(CUT + "transcript/", platforms.transcript_upload, name="transcript_upload"),
    path(CUT + "media/", media.cut_media_upload, name="cut_media_upload"),
    path(CUT + "media/status/", media.cut_media_status, name="cut_media_status"),
    path(CUT + "media/preference/", media.cut_media_preference, name="cut_media_preference"),
    path(CUT + "media/<str:kind>/", media.cut_media_file, name="cut_media_file"),
    path(CUT + "duration/", media.cut_duration, name="cut_duration"),
    path(CUT + "frames/<int:at_ms>.jpg", media.frame_image, name="frame_image"),
    path(CUT + "frames/<int:at_ms>/", media.frame_slot, name="frame_slot"),
    path(CUT + "inbox/", inbox.inbox, name="inbox"),
    path(CUT + "inbox/accept/", inbox.inbox_accept, name="inbox_accept"),
    path(CUT + "inbox/groups/<str:key>/", inbox.inbox_group_more, name="inbox_group_more"),
    path(CUT + "inbox/add/", inbox.inbox_add_to_erratum, name="inbox_add"),
    path(CUT + "inbox/dismiss/", inbox.inbox_dismiss, name="inbox_dismiss"),
    path(CUT + "inbox/bulk/", inbox_bulk.inbox_bulk, name="inbox_bulk"),
    path(CUT + "inbox/chatter/", inbox_bulk.inbox_chatter_preview, name="inbox_chatter"),
    path(FINDING + "split/", inbox.finding_split, name="finding_split"),
    path(FINDING + "edit/", inbox.finding_edit, name="finding_edit"),
    path(FINDING + "reply/", inbox.finding_reply, name="finding_reply"),
    path(FINDING + "restore/", inbox.finding_restore, name="finding_restore"),
    path(CUT + "board/", errata.board, name="board"),
    path(CUT + "counts/", errata.board_counts, name="board_counts"),
    path(CUT + "timeline/", timeline.timeline, name="timeline"),
    path(CUT + "timeline/spans/", timeline.span_create, name="span_create"),
    path(CUT + "timeline/from-shots/", timeline.timeline_from_shots, name="timeline_from_shots"),
    path(CUT + "timeline/spans/<int:pk>/", timeline.span_update, name="span_update"),
    path(CUT + "timeline/spans/<int:pk>/delete/", timeline.span_delete, name="span_delete"),
    path(ERRATUM, errata.erratum, name="erratum"),
    path(ERRATUM + "edit/", errata.erratum_edit, name="erratum_edit"),
    path(ERRATUM + "status/", errata.erratum_status, name="erratum_status"),
    path(ERRATUM + "merge/", errata.erratum_merge, name="erratum_merge"),
    path(ERRATUM + "quick/", errata.erratum_quick, name="erratum_quick"),
    path(ERRATUM + "notes/", errata.erratum_note, name="erratum_note"),
    path(
        ERRATUM + "checks/<int:check_pk>/<str:which>.jpg",
        errata.fix_check_image,
        name="fix_check_image",
    ),
    path(
        ERRATUM + "findings/<int:finding_pk>/remove/",
        errata.erratum_remove_finding,
        name="erratum_remove_finding",
    ),
]
