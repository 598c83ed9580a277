"""The studio's forms: they read and check what a creator typed; the services decide."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from errata.catalog.selectors import scene_by_name, video_cuts_newest_first
from errata.media.uploads import MediaRefused, video_container_of
from errata.models import Category, Cut, Erratum, Membership, Remedy, Scene, Video
from errata.reviews.services import COMMENT_MAX_LENGTH
from errata.triage.timestamps import format_time, parse_time

# A timeline or a manim source file is text; anything bigger than this is not one.
TEXT_UPLOAD_MAX_BYTES = 5 * 1024 * 1024


CATEGORY_CHOICES = Category.choices


DISMISS_CHOICES = [(Category.NONE, "None (praise, chatter)"), (Category.CONTENT, "Content")]


class TimeField(forms.CharField):
    """A time in a cut, typed as m:ss, h:mm:ss or seconds ("6:03", "363", "6:03.5")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Not max_length: its validator would run on the parsed number, not the text.
        self.widget.attrs.setdefault("maxlength", 20)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("placeholder", "m:ss")
        self.widget.attrs.setdefault("size", 8)

    def prepare_value(self, value):
        if isinstance(value, int | float):
            return time_text(value)
        return value

    def to_python(self, value) -> float | None:
        value = super().to_python(value)
        if len(value) > 20:
            raise forms.ValidationError(_("A time is at most 20 characters."))
        if value in self.empty_values:
            return None
        seconds = parse_time(value)
        if seconds is None:
            raise forms.ValidationError(
                _("%(value)s is not a time; write it as m:ss (6:03) or in seconds (363).")
                % {"value": repr(value)}
            )
        return seconds


def time_text(seconds: float) -> str:
    """A time as the creator would type it back: 6:03, or 6:03.5 when it has a fraction."""
    if float(seconds).is_integer():
        return format_time(seconds)
    minutes, rest = divmod(float(seconds), 60)
    hours, minutes = divmod(int(minutes), 60)
    text = f"{minutes:02d}:{rest:04.1f}" if hours else f"{minutes}:{rest:04.1f}"
    return f"{hours}:{text}" if hours else text


def read_text_upload(upload: UploadedFile, *, what: str) -> str:
    """An uploaded text file as a string, refused clearly when it is too big or not text."""
    if upload.size and upload.size > TEXT_UPLOAD_MAX_BYTES:
        raise forms.ValidationError(
            _("That %(what)s is %(size)s MB; a %(what)s is at most %(limit)s MB.")
            % {
                "what": what,
                "size": format(upload.size / 1024 / 1024, ".1f"),
                "limit": TEXT_UPLOAD_MAX_BYTES // 1024 // 1024,
            }
        )
    raw = upload.read()
    if b"\x00" in raw:
        raise forms.ValidationError(_("That %(what)s is not a text file.") % {"what": what})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older editing programs write EDLs in Latin-1; every byte decodes, names stay readable.
        return raw.decode("latin-1")


class SceneNameField(forms.CharField):
    """A scene picked by name from the video's scenes (a datalist suggests them)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("list", "scene-names")
        self.widget.attrs.setdefault("autocomplete", "off")


def scene_named(*, video: Video, name: str) -> Scene:
    scene = scene_by_name(video=video, name=name)
    if scene is None:
        raise forms.ValidationError(
            _("There is no scene named %(name)s in this video.") % {"name": repr(name.strip())}
        )
    return scene


class _SceneOfVideoForm(forms.Form):
    """A form with a `scene` field naming a scene of one video (blank: no scene)."""

    scene = SceneNameField()

    def __init__(self, *args, video: Video, **kwargs) -> None:
        self.video = video
        super().__init__(*args, **kwargs)

    def clean_scene(self) -> Scene | None:
        name = self.cleaned_data.get("scene") or ""
        return scene_named(video=self.video, name=name) if name.strip() else None


class AcceptForm(_SceneOfVideoForm):
    """Accept a group of findings as a new erratum; every field comes prefilled."""

    title = forms.CharField(max_length=300, required=False)
    category = forms.ChoiceField(choices=CATEGORY_CHOICES)
    severity = forms.ChoiceField(choices=Erratum.Severity.choices, initial=Erratum.Severity.MEDIUM)
    remedy = forms.ChoiceField(choices=Remedy.choices)
    scene = SceneNameField()
    timestamp = TimeField(required=False, label=gettext_lazy("Time"))


class FindingEditForm(_SceneOfVideoForm):
    """The creator's corrections to one finding. Blank category keeps the suggestion."""

    category = forms.ChoiceField(
        choices=[("", "(as suggested)"), *CATEGORY_CHOICES], required=False
    )
    scene = SceneNameField()
    timestamp = TimeField(required=False, label=gettext_lazy("Time"))


class ReplyForm(forms.Form):
    # A reply is a comment: stored exactly as written, so no stripping.
    text = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Your reply"),
    )


class DismissForm(forms.Form):
    category = forms.ChoiceField(choices=DISMISS_CHOICES, initial=Category.NONE)
    reason = forms.CharField(max_length=300, required=False)


class ErratumEditForm(_SceneOfVideoForm):
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    category = forms.ChoiceField(choices=CATEGORY_CHOICES)
    severity = forms.ChoiceField(choices=Erratum.Severity.choices)
    remedy = forms.ChoiceField(choices=Remedy.choices)
    scene = SceneNameField()
    timestamp = TimeField(required=False, label=gettext_lazy("Time"))
    fix_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    corrected_line = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label=gettext_lazy("Corrected subtitle line"),
        help_text=gettext_lazy(
            "For a caption fix: the line as it should read; the corrected subtitle "
            "export puts it in place of the line said at the erratum's time."
        ),
    )
    correction_wrong = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Wrong (as it is)")
    )
    correction_right = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Right (as it should be)")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, erratum: Erratum) -> dict:
        return {
            "title": erratum.title,
            "description": erratum.description,
            "category": erratum.category,
            "severity": erratum.severity,
            "remedy": erratum.remedy,
            "scene": erratum.scene.name if erratum.scene_id else "",
            "timestamp": erratum.timestamp_s,
            "fix_note": erratum.fix_note,
            "corrected_line": erratum.corrected_line,
            "correction_wrong": erratum.correction_wrong,
            "correction_right": erratum.correction_right,
            "version": erratum.version,
        }


class ErratumStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Erratum.Status.choices)
    fixed_in_cut = forms.ModelChoiceField(queryset=Cut.objects.none(), required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    fix_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, video: Video, **kwargs) -> None:
        # Its own ids: the edit form on the same page has a fix_note too.
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = gettext_lazy("Reason")
        self.fields["fixed_in_cut"].label = gettext_lazy("Fixed in")
        self.fields["fixed_in_cut"].queryset = video_cuts_newest_first(video_id=video.pk)
        self.fields["fixed_in_cut"].label_from_instance = lambda cut: (
            f"cut {cut.number}" + (f" ({cut.label})" if cut.label else "")
        )

    def clean(self) -> dict:
        # Refused here, beside the field, before the service would refuse it as a whole.
        data = super().clean()
        status = data.get("status")
        closing = status in (Erratum.Status.WONTFIX, Erratum.Status.NOT_AN_ERROR)
        if closing and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Say why this erratum is %(status)s.")
                % {"status": Erratum.Status(status).label.lower()},
            )
        if status == Erratum.Status.FIXED and not data.get("fixed_in_cut"):
            self.add_error("fixed_in_cut", _("Say which cut fixes it."))
        return data


class ErratumQuickForm(forms.Form):
    """One field set in place on the board or after an accept; what is not posted is kept."""

    severity = forms.ChoiceField(choices=Erratum.Severity.choices, required=False)
    title = forms.CharField(max_length=300, required=False)
    assignee = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Only a member of this video's team can be assigned.")
        },
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if "title" in self.data and not title:
            raise forms.ValidationError(_("An erratum needs a title."))
        return title


class ErratumNoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Add to the discussion"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class ErratumMergeForm(forms.Form):
    """Merge into another erratum of the same cut, named by its number (the page suggests the
    nearest ones; a cut can hold hundreds, too many for a select)."""

    target = forms.IntegerField(label=gettext_lazy("Merge into erratum #"), min_value=1)

    def __init__(self, *args, targets, **kwargs) -> None:
        self.targets = targets
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.attrs.update(list="merge-targets", autocomplete="off")

    def clean_target(self) -> Erratum:
        target = self.targets.filter(pk=self.cleaned_data["target"]).first()
        if target is None:
            raise forms.ValidationError(
                _("There is no erratum #%(target)s on this cut to merge into.")
                % {"target": self.cleaned_data["target"]}
            )
        return target


class CutForm(forms.Form):
    """A new cut of a video: its media, its duration and (optionally) its timeline, and which
    earlier cut's open errata to carry to it."""

    label = forms.CharField(
        max_length=150,
        required=False,
        label=gettext_lazy("Label"),
        help_text=gettext_lazy("Optional, e.g. “v2, typos fixed”."),
    )
    duration = TimeField(
        label=gettext_lazy("Duration"),
        required=False,
        help_text=gettext_lazy("h:mm:ss, m:ss or seconds. With a media file, read from the video."),
    )
    fps = forms.DecimalField(
        max_digits=6,
        decimal_places=3,
        required=False,
        min_value=0.001,
        label=gettext_lazy("Frames per second"),
    )
    media_url = forms.URLField(
        max_length=500, required=False, label=gettext_lazy("Media URL"), assume_scheme="https"
    )
    media_file = forms.FileField(
        required=False,
        label=gettext_lazy("Media file"),
        help_text=gettext_lazy(
            "The video (MP4, MOV, MKV, WebM...): Errata makes a copy every browser plays."
        ),
    )
    timeline = forms.FileField(
        required=False,
        label=gettext_lazy("Timeline"),
        help_text=gettext_lazy(
            "An EDL (.edl), OpenTimelineIO (.otio), FCP XML (.xml, .fcpxml) or CSV file."
        ),
    )
    carry_from = forms.ModelChoiceField(
        queryset=Cut.objects.none(),
        required=False,
        label=gettext_lazy("Then carry open errata from"),
        empty_label=gettext_lazy("(nothing)"),
        help_text=gettext_lazy(
            "Optional. You see what would move, and confirm, before anything moves."
        ),
    )

    def __init__(self, *args, video: Video, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cuts = video_cuts_newest_first(video_id=video.pk)
        self.fields["carry_from"].queryset = cuts
        self.fields["carry_from"].label_from_instance = lambda cut: (
            f"cut {cut.number}" + (f" ({cut.label})" if cut.label else "")
        )

    def clean_timeline(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("timeline")
        if upload:
            upload.text = read_text_upload(upload, what="timeline file")
        return upload

    def clean_media_file(self) -> UploadedFile | None:
        return clean_video_upload(self.cleaned_data.get("media_file"))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("duration") is None and not data.get("media_file") and not self.errors:
            self.add_error("duration", _("Give the cut's duration, or upload its video."))
        return data


def clean_video_upload(upload: UploadedFile | None) -> UploadedFile | None:
    """Only a file that starts like a video is taken (an .html or .svg never is)."""
    if upload:
        try:
            video_container_of(upload)
        except MediaRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
    return upload


class CutMediaForm(forms.Form):
    """Upload (or replace) a cut's video."""

    media_file = forms.FileField(
        label=gettext_lazy("Video file"),
        help_text=gettext_lazy(
            "MP4, MOV, MKV, WebM...: Errata makes a copy every browser plays, a poster "
            "and scrubbing thumbnails, and reads the duration from it."
        ),
    )

    def clean_media_file(self) -> UploadedFile:
        return clean_video_upload(self.cleaned_data["media_file"])


class CutEditForm(forms.Form):
    """A cut's label and media URL (duration, video and timeline have their own forms)."""

    def __init__(self, *args, **kwargs):
        # The cut page also holds the review-link form, whose fields share these names: ids of
        # their own, so each <label for> names its own input.
        kwargs.setdefault("auto_id", "id_cut_%s")
        super().__init__(*args, **kwargs)

    label = forms.CharField(max_length=150, required=False, label=gettext_lazy("Label"))
    media_url = forms.URLField(
        max_length=500, required=False, label=gettext_lazy("Media URL"), assume_scheme="https"
    )


class CutDurationForm(forms.Form):
    duration = TimeField(
        label=gettext_lazy("Duration"), help_text=gettext_lazy("h:mm:ss, m:ss or seconds")
    )
    fps = forms.DecimalField(
        max_digits=6,
        decimal_places=3,
        required=False,
        min_value=0.001,
        label=gettext_lazy("Frames per second"),
    )


class MediaPreferenceForm(forms.Form):
    prefer_url = forms.BooleanField(
        required=False, label=gettext_lazy("Play the media URL instead")
    )


class TimelineUploadForm(forms.Form):
    timeline = forms.FileField(
        label=gettext_lazy("Timeline file"),
        help_text=gettext_lazy(
            "An EDL (.edl), OpenTimelineIO (.otio), FCP XML (.xml, .fcpxml) or CSV "
            "(name,start,end) file. It replaces this cut's spans."
        ),
    )

    def clean_timeline(self) -> UploadedFile:
        upload = self.cleaned_data["timeline"]
        upload.text = read_text_upload(upload, what="timeline file")
        return upload


class ManimSourceForm(forms.Form):
    source = forms.FileField(label=gettext_lazy("manim source file (.py)"))
    source_path = forms.CharField(
        max_length=300,
        required=False,
        label=gettext_lazy("Path in the repository"),
        help_text=gettext_lazy(
            "e.g. _2017/nn/part1.py; the render script uses it. Defaults to the file name."
        ),
    )

    def clean_source(self) -> UploadedFile:
        upload = self.cleaned_data["source"]
        upload.text = read_text_upload(upload, what="source file")
        return upload


class SpanForm(forms.Form):
    scene = SceneNameField(required=True)
    start = TimeField(label=gettext_lazy("Start"))
    end = TimeField(label=gettext_lazy("End"))


class ProposedSpanForm(forms.Form):
    """One span proposed from the video's shot changes, as the creator confirms or adjusts it."""

    scene = SceneNameField(required=True)
    start = TimeField(label=gettext_lazy("Start"))
    end = TimeField(label=gettext_lazy("End"))


ProposedSpanFormSet = forms.formset_factory(
    ProposedSpanForm, extra=0, max_num=2000, absolute_max=2000, validate_max=True
)


class CarryForm(forms.Form):
    from_cut = forms.ModelChoiceField(
        queryset=Cut.objects.none(), label=gettext_lazy("Carry open errata from")
    )

    def __init__(self, *args, cut: Cut, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_cut"].queryset = video_cuts_newest_first(
            video_id=cut.video_id, exclude=cut
        )
        self.fields["from_cut"].label_from_instance = lambda c: (
            f"cut {c.number}" + (f" ({c.label})" if c.label else "")
        )


class DigestForm(forms.Form):
    """How often one membership's digest comes (one form per team, prefixed by its id)."""

    digest = forms.ChoiceField(
        choices=Membership.Digest.choices, widget=forms.RadioSelect, label=gettext_lazy("Digest")
    )


class ReviewLinkForm(forms.Form):
    """A new review link for a cut, made from the studio's cut page."""

    label = forms.CharField(
        max_length=150, required=False, initial="Patreon early access", label=gettext_lazy("Label")
    )
    expires_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Expires (optional)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    can_comment = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Viewers may comment")
    )
    show_others_comments = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Viewers see each other's comments")
    )
    patreon_required = forms.BooleanField(
        required=False,
        label=gettext_lazy("Only patrons of the team's Patreon campaign (they sign in)"),
    )
    patreon_min_dollars = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100_000,
        decimal_places=2,
        label=gettext_lazy("Minimum tier, $ a month (optional)"),
    )

    def clean(self) -> dict:
        data = super().clean()
        dollars = data.pop("patreon_min_dollars", None)
        data["patreon_min_cents"] = round(dollars * 100) if dollars else 0
        return data


def mark_invalid(form: forms.Form) -> forms.Form:
    """Tie each refused field to its message for screen readers and put the focus on the first
    one (htmx focuses [autofocus] after a swap): the error is read where the field is."""
    first = True
    for name in form.errors:
        if name not in form.fields:
            continue
        attrs = form.fields[name].widget.attrs
        attrs.update({"aria-invalid": "true", "aria-describedby": f"{form[name].auto_id}-error"})
        if first:
            attrs["autofocus"] = True
            first = False
    return form
