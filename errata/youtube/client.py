"""The YouTube Data API v3, the parts Errata reads: commentThreads.list (with replies),
comments.list (the rest of a long thread's replies), captions.list and captions.download. With
an API key (YOUTUBE_API_KEY) for public comments, or the creator's Google OAuth token (django-
allauth's) for captions. Errors are sorted by what to do about them: YouTube's quota and rate
limits back off, a video without comments stops, the network is tried again."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings


class YouTubeError(Exception):
    """A request YouTube did not answer usefully; `reason` is YouTube's own (quotaExceeded...)."""

    def __init__(self, message: str, *, reason: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class YouTubeQuotaExceeded(YouTubeError):
    """The project's daily quota is used up; it comes back at midnight Pacific time."""


class YouTubeRateLimited(YouTubeError):
    """Too many requests too fast, or YouTube is briefly down: back off and try again."""


class YouTubeStopped(YouTubeError):
    """Trying again will not help: the video is gone, its comments are off, the key is bad."""


RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"}
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}


@dataclass(frozen=True)
class Credentials:
    api_key: str = ""
    access_token: str = ""

    def apply(self, params: dict, headers: dict) -> None:
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        else:
            params["key"] = self.api_key


def _error_of(response: requests.Response) -> YouTubeError:
    reason, message = "", f"HTTP {response.status_code}"
    try:
        error = response.json().get("error") or {}
        errors = error.get("errors") or [{}]
        reason = str(errors[0].get("reason") or "")
        message = str(error.get("message") or message)[:300]
    except (ValueError, AttributeError, IndexError, TypeError):
        pass
    status = response.status_code
    if reason in QUOTA_REASONS:
        return YouTubeQuotaExceeded(message, reason=reason, status=status)
    if reason in RATE_REASONS or status == 429 or status >= 500:
        return YouTubeRateLimited(message, reason=reason, status=status)
    return YouTubeStopped(message, reason=reason, status=status)


def _get(path: str, *, params: dict, credentials: Credentials) -> requests.Response:
    headers = {"User-Agent": "Errata", "Accept": "application/json"}
    params = dict(params)
    credentials.apply(params, headers)
    try:
        response = requests.get(
            f"{settings.YOUTUBE_API_URL}/{path}",
            params=params,
            headers=headers,
            timeout=settings.YOUTUBE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise YouTubeRateLimited(f"{type(error).__name__}: {error}", reason="network") from None
    if response.status_code != 200:
        raise _error_of(response)
    return response


def _json(response: requests.Response) -> dict:
    try:
        document = response.json()
    except ValueError:
        raise YouTubeRateLimited("YouTube's answer is not JSON", reason="malformed") from None
    if not isinstance(document, dict) or not isinstance(document.get("items", []), list):
        raise YouTubeRateLimited("YouTube's answer has no list of items", reason="malformed")
    return document


def comment_threads_page(*, video_id: str, credentials: Credentials, page_token: str = "") -> dict:
    """One page of a video's comment threads, newest first, with up to five replies each."""
    params = {
        "part": "snippet,replies",
        "videoId": video_id,
        "maxResults": 100,
        "order": "time",
        "textFormat": "plainText",
    }
    if page_token:
        params["pageToken"] = page_token
    return _json(_get("commentThreads", params=params, credentials=credentials))


def thread_replies(*, parent_id: str, credentials: Credentials, max_pages: int = 20) -> list:
    """Every reply of a thread (commentThreads gives at most five), oldest first."""
    replies: list = []
    page_token = ""
    for _ in range(max_pages):
        params = {
            "part": "snippet",
            "parentId": parent_id,
            "maxResults": 100,
            "textFormat": "plainText",
        }
        if page_token:
            params["pageToken"] = page_token
        page = _json(_get("comments", params=params, credentials=credentials))
        replies += page.get("items", [])
        page_token = str(page.get("nextPageToken") or "")
        if not page_token:
            break
    return replies


def captions_list(*, video_id: str, credentials: Credentials) -> list[dict]:
    page = _json(
        _get("captions", params={"part": "snippet", "videoId": video_id}, credentials=credentials)
    )
    return [item for item in page.get("items", []) if isinstance(item, dict)]


def caption_download(*, caption_id: str, credentials: Credentials) -> str:
    """A caption track as WebVTT (captions.download needs the owner's OAuth token)."""
    response = _get(f"captions/{caption_id}", params={"tfmt": "vtt"}, credentials=credentials)
    return response.content.decode("utf-8-sig", errors="replace")
