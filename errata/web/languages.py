"""The language pages are shown in. Django's LocaleMiddleware picks it from the switcher's
cookie, else the browser's Accept-Language; a signed-in member's own choice (User.language,
saved when they use the switcher) then wins, so it follows them to every device."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from errata.teams.services import user_language_set


class MemberLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, the redirect back to `next`), and for a signed-in
    member the choice is also kept on the account."""
    response = django_set_language(request)
    code = request.POST.get("language", "")
    # Only the site's languages are kept (Django accepts any it has a catalogue for).
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=code)
    return response
