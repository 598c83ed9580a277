"""/healthz: the checks are in errata.core.health (the probes /healthz/live and /healthz/ready
are answered by errata.core.middleware.HealthProbeMiddleware, before host validation)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from errata.core.health import health_report


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report, status = health_report()
    return JsonResponse(report, status=status)
