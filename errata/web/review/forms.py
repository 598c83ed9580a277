"""The review page's comment form. It checks what a person typed and says clearly what is wrong;
the services check the same rules again (and the database after them).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from errata.reviews.drawings import DRAWING_MAX_BYTES, drawing_validate
from errata.reviews.services import (
    COMMENT_MAX_LENGTH,
    comment_validate_range,
    comment_validate_timestamp,
)
from errata.reviews.text import TIME_SOURCES, comment_time, typed_range
from errata.triage.timestamps import parse_time


class ReviewCommentForm(forms.Form):
    """A comment (or a reply) on the review page. The time chip holds the player's time when
    the patron paused; `time_source` says whether they since typed a time or edited the chip."""

    text = forms.CharField(
        # Stored exactly as written: no stripping.
        strip=False,
        max_length=COMMENT_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Write something first."),
            "max_length": format_lazy(
                gettext_lazy(
                    "A comment can be at most {limit} characters; this one has %(show_value)s."
                ),
                limit=f"{COMMENT_MAX_LENGTH:,}",
            ),
        },
    )
    time = forms.CharField(required=False, max_length=20)
    time_source = forms.ChoiceField(required=False, choices=[(s, s) for s in TIME_SOURCES])
    # A range comment's out point (seconds, or a time like 6:10), marked with O on the page.
    end_time = forms.CharField(required=False, max_length=20)
    # What the patron drew on the paused frame, as JSON (errata.reviews.drawings checks it).
    drawing = forms.CharField(required=False, strip=False, max_length=DRAWING_MAX_BYTES)
    parent = forms.IntegerField(required=False, min_value=1)
    name = forms.CharField(required=False, max_length=150)
    email = forms.EmailField(
        required=False, error_messages={"invalid": "That email address does not look right."}
    )

    def __init__(self, *args, cut, needs_name: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cut = cut
        self.needs_name = needs_name

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise ValidationError(_("Write something first."))
        return text

    def clean(self) -> dict:
        data = super().clean()
        if self.needs_name and not (data.get("name") or "").strip():
            self.add_error("name", _("Tell us your name, so the creator can credit you."))
        if "text" not in data:
            return data
        try:
            seconds = comment_time(
                text=data["text"],
                chip=data.get("time") or "",
                source=data.get("time_source") or "",
                duration_s=self.cut.duration_s,
            )
            comment_validate_timestamp(cut=self.cut, timestamp_s=seconds)
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {}
            for message in [*messages.get("time", []), *messages.get("timestamp_s", [])]:
                self.add_error("time", message)
            return data
        data["timestamp_s"] = seconds
        self._clean_anchors(data, seconds)
        return data

    def _clean_anchors(self, data: dict, seconds: float | None) -> None:
        """The range's end and the drawing, checked by the same rules the service applies. A
        reply has no time of its own, so a range or drawing left over from the video is not
        sent with it."""
        if data.get("parent"):
            data["timestamp_end_s"], data["drawing_data"] = None, None
            return
        end_text = (data.get("end_time") or "").strip()
        end_s = None
        if end_text:
            end_s = parse_time(end_text)
            if end_s is None:
                self.add_error(
                    "end_time",
                    _("“%(value)s” is not a time; type it like 6:10.") % {"value": end_text[:20]},
                )
        elif seconds is not None and data.get("time_source") != "manual":
            # A range typed in the text ("6:02-6:10", "from 6:02 to 6:10") marks one too.
            typed = typed_range(data["text"], duration_s=self.cut.duration_s)
            if typed is not None and typed[0] == seconds:
                end_s = typed[1]
        try:
            comment_validate_range(cut=self.cut, timestamp_s=seconds, timestamp_end_s=end_s)
            data["timestamp_end_s"] = end_s
        except ValidationError as error:
            for message in error.message_dict.get("timestamp_end_s", []):
                self.add_error("end_time", message)
        try:
            data["drawing_data"] = drawing_validate(
                data.get("drawing") or None, duration_s=self.cut.duration_s
            )
        except ValidationError as error:
            for message in error.message_dict.get("drawing", []):
                self.add_error("drawing", message)
