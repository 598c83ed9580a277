"""The Django admin: a creator's day-one tool for looking at and correcting everything."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from errata.core.errors import ErrataConflict
from errata.fixes.services import erratum_transition
from errata.models import (
    ApiToken,
    Comment,
    Cut,
    CutMedia,
    DuplicateGroup,
    Erratum,
    ErratumEvent,
    Finding,
    Membership,
    MeToo,
    Notification,
    Reviewer,
    ReviewLink,
    Scene,
    SceneSpan,
    Team,
    User,
    Video,
    WebhookDelivery,
    WebhookEndpoint,
)
from errata.reviews.services import review_link_create, review_link_revoke
from errata.triage.timestamps import format_time


def _time(seconds: float | None) -> str:
    return "" if seconds is None else format_time(seconds)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Profile", {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "email", "is_staff", "is_active")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


class CutInline(admin.TabularInline):
    model = Cut
    extra = 0
    fields = ("number", "label", "duration_s", "fps", "media_url", "media_file")
    # A cut's video is uploaded where it is checked and processed (the cut page, the API); an
    # upload here would skip both.
    readonly_fields = ("media_file",)
    show_change_link = True


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "team", "fps", "cut_count", "created_at")
    list_filter = ("team",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CutInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Video]:
        return super().get_queryset(request).select_related("team").annotate(n_cuts=Count("cuts"))

    @admin.display(description="cuts", ordering="n_cuts")
    def cut_count(self, video: Video) -> int:
        return video.n_cuts


class SceneSpanInline(admin.TabularInline):
    model = SceneSpan
    extra = 0
    fields = ("scene", "start_s", "end_s")
    autocomplete_fields = ("scene",)
    ordering = ("start_s",)


@admin.register(Cut)
class CutAdmin(admin.ModelAdmin):
    list_display = ("__str__", "video", "number", "label", "duration", "comment_count")
    list_filter = ("video",)
    search_fields = ("video__title", "video__slug", "label")
    inlines = [SceneSpanInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cut]:
        return (
            super()
            .get_queryset(request)
            .select_related("video")
            .annotate(n_comments=Count("comments"))
        )

    @admin.display(description="duration", ordering="duration_s")
    def duration(self, cut: Cut) -> str:
        return _time(cut.duration_s)

    @admin.display(description="comments", ordering="n_comments")
    def comment_count(self, cut: Cut) -> int:
        return cut.n_comments


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    list_display = ("name", "video", "source_path", "class_line")
    list_filter = ("video",)
    search_fields = ("name", "source_path")


@admin.register(SceneSpan)
class SceneSpanAdmin(admin.ModelAdmin):
    list_display = ("scene", "cut", "start", "end")
    list_filter = ("cut__video", "cut")
    search_fields = ("scene__name",)
    list_select_related = ("scene", "cut__video")
    ordering = ("cut", "start_s")

    @admin.display(description="start", ordering="start_s")
    def start(self, span: SceneSpan) -> str:
        return _time(span.start_s)

    @admin.display(description="end", ordering="end_s")
    def end(self, span: SceneSpan) -> str:
        return _time(span.end_s)


class ReviewLinkAdminForm(forms.ModelForm):
    class Meta:
        model = ReviewLink
        fields = ["cut", "label", "expires_at", "can_comment", "show_others_comments"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if self.instance.pk is None and expires_at is not None and expires_at <= timezone.now():
            raise ValidationError("An expiry date must be in the future.")
        return expires_at


@admin.register(ReviewLink)
class ReviewLinkAdmin(admin.ModelAdmin):
    form = ReviewLinkAdminForm
    list_display = (
        "label",
        "cut",
        "can_comment",
        "show_others_comments",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("can_comment", "cut__video")
    search_fields = ("label",)
    readonly_fields = ("token", "review_page", "revoked_at", "created_by")
    list_select_related = ("cut__video",)
    actions = ["revoke"]

    @admin.display(description="patron page")
    def review_page(self, link: ReviewLink) -> str:
        if not link.pk:
            return "(made when you save)"
        return format_html('<a href="{0}">{1}{0}</a>', link.get_absolute_url(), settings.SITE_URL)

    def save_model(self, request: HttpRequest, obj: ReviewLink, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New links go through the service (one place makes them; the form checked the expiry).
        link = review_link_create(
            cut=obj.cut,
            label=obj.label,
            expires_at=obj.expires_at,
            can_comment=obj.can_comment,
            show_others_comments=obj.show_others_comments,
            created_by=request.user,
        )
        obj.pk, obj.token, obj.created_by, obj.created_at = (
            link.pk,
            link.token,
            link.created_by,
            link.created_at,
        )
        obj._state.adding = False

    @admin.action(description="Revoke the selected links (at once)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ReviewLink]) -> None:
        revoked = sum(review_link_revoke(review_link=link) for link in queryset)
        self.message_user(request, f"Revoked {revoked} link(s).")


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ("display_name", "email", "user", "external_id", "unsubscribed_at")
    search_fields = ("display_name", "email", "external_id")
    readonly_fields = ("key",)
    autocomplete_fields = ("user",)


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = (
        "position",
        "text",
        "timestamp_s",
        "suggested_category",
        "category",
        "state",
        "erratum",
    )
    readonly_fields = ("position", "text", "timestamp_s", "suggested_category")
    show_change_link = True
    can_delete = False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "short_text",
        "author_name",
        "author_role",
        "cut",
        "time",
        "source",
        "triage_state",
    )
    list_filter = ("author_role", "source", "triage_state", "cut__video")
    search_fields = ("text", "author_name", "external_id")
    list_select_related = ("cut__video",)
    raw_id_fields = ("parent", "reviewer", "review_link")
    # Comment text is what the person wrote: the admin shows it, never edits it.
    readonly_fields = ("text",)
    inlines = [FindingInline]

    @admin.display(description="text")
    def short_text(self, comment: Comment) -> str:
        return comment.text[:80]

    @admin.display(description="time", ordering="timestamp_s")
    def time(self, comment: Comment) -> str:
        return _time(comment.timestamp_s)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = (
        "short_text",
        "time",
        "suggested_category",
        "category",
        "suggested_scene",
        "state",
        "erratum",
    )
    list_filter = ("state", "suggested_category", "category", "cut__video", "cut")
    search_fields = ("text", "comment__author_name")
    list_select_related = ("suggested_scene", "erratum", "cut")
    raw_id_fields = ("comment", "erratum", "duplicate_group")
    autocomplete_fields = ("scene", "suggested_scene")

    @admin.display(description="text")
    def short_text(self, finding: Finding) -> str:
        return finding.text[:80]

    @admin.display(description="time", ordering="timestamp_s")
    def time(self, finding: Finding) -> str:
        return _time(finding.timestamp_s)


@admin.register(DuplicateGroup)
class DuplicateGroupAdmin(admin.ModelAdmin):
    list_display = ("id", "cut", "created_at")
    list_filter = ("cut__video",)


class ErratumFindingInline(admin.TabularInline):
    model = Finding
    fk_name = "erratum"
    extra = 0
    fields = ("text", "timestamp_s", "state")
    readonly_fields = ("text", "timestamp_s", "state")
    can_delete = False
    show_change_link = True


class ErratumEventInline(admin.TabularInline):
    model = ErratumEvent
    extra = 0
    fields = ("created_at", "actor", "kind", "changes")
    readonly_fields = fields
    can_delete = False


@admin.register(Erratum)
class ErratumAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "video",
        "time",
        "category",
        "severity",
        "status",
        "scene",
        "remedy",
        "report_count",
    )
    list_filter = ("status", "category", "severity", "remedy", "video")
    search_fields = ("title", "description", "fix_note")
    list_select_related = ("video", "scene")
    autocomplete_fields = ("scene",)
    # The life of an erratum (status, its dates and cuts, merging) changes only through the
    # services, which record the event, bump the version, tell reporters and send webhooks; an
    # edit here would do none of that. Use the actions below or the studio's erratum page.
    readonly_fields = (
        "status",
        "version",
        "merged_into",
        "fixed_in_cut",
        "fixed_at",
        "verified_at",
        "resolution_reason",
    )
    inlines = [ErratumFindingInline, ErratumEventInline]
    actions = ["accept_selected", "reopen_selected"]

    def _transition(self, request: HttpRequest, queryset: QuerySet[Erratum], status: str) -> None:
        moved = refused = 0
        for erratum in queryset:
            try:
                erratum_transition(erratum=erratum, status=status, actor=request.user)
                moved += 1
            except (ValidationError, ErrataConflict):
                refused += 1
        self.message_user(request, f"{moved} moved to {status}; {refused} could not be.")

    @admin.action(description="Accept the selected errata")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[Erratum]) -> None:
        self._transition(request, queryset, Erratum.Status.ACCEPTED)

    @admin.action(description="Reopen the selected errata")
    def reopen_selected(self, request: HttpRequest, queryset: QuerySet[Erratum]) -> None:
        self._transition(request, queryset, Erratum.Status.OPEN)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Erratum]:
        return super().get_queryset(request).annotate(n_findings=Count("findings"))

    @admin.display(description="time", ordering="timestamp_s")
    def time(self, erratum: Erratum) -> str:
        return _time(erratum.timestamp_s)

    @admin.display(description="reports", ordering="n_findings")
    def report_count(self, erratum: Erratum) -> int:
        return erratum.n_findings


@admin.register(MeToo)
class MeTooAdmin(admin.ModelAdmin):
    list_display = ("finding", "reviewer", "created_at")
    raw_id_fields = ("finding", "reviewer")


# --- API tokens and webhooks --------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made through the API (POST /api/tokens/), the only place the key is shown."""

    list_display = (
        "name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at",
    )  # fmt: skip
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        from errata.api.tokens import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "team", "events", "is_active", "created_at")
    list_filter = ("is_active", "team")
    search_fields = ("url", "description")
    readonly_fields = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event", "endpoint", "status", "attempts", "response_code", "created_at", "replay_of",
    )  # fmt: skip
    list_filter = ("status", "event", "endpoint__team")
    search_fields = ("event_id", "error")
    list_select_related = ("endpoint",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay_deliveries"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Replay the selected deliveries")
    def replay_deliveries(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        from errata.core.errors import ErrataConflict
        from errata.webhooks.services import delivery_replay

        replayed = skipped = 0
        for delivery in queryset:
            try:
                delivery_replay(delivery=delivery)
                replayed += 1
            except ErrataConflict:
                skipped += 1
        message = f"Replaying {replayed} deliver{'y' if replayed == 1 else 'ies'}."
        if skipped:
            message += f" {skipped} skipped: their endpoint is turned off."
        self.message_user(request, message)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, to see what went to whom; written only by errata/notifications.py."""

    list_display = ("created_at", "kind", "recipient", "subject", "state", "attempts", "sent_at")
    list_filter = ("kind", "state")
    search_fields = ("recipient", "subject", "event_key")
    raw_id_fields = ("reviewer", "membership", "erratum")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(CutMedia)
class CutMediaAdmin(admin.ModelAdmin):
    """What ffmpeg made of a cut's video; made by tasks, so shown, not edited (except which
    source the review page plays)."""

    list_display = ("cut", "status", "phase", "percent", "content_type", "created_at")
    list_filter = ("status",)
    fields = (
        "cut",
        "status",
        "phase",
        "percent",
        "error",
        "warning",
        "content_type",
        "probe",
        "proxy",
        "poster",
        "sprite",
        "shots",
        "prefer_url",
        "started_at",
        "finished_at",
    )
    readonly_fields = tuple(f for f in fields if f != "prefer_url")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
