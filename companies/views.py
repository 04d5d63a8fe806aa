"""Public pages of companies' opportunities: the page a digest links to."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .models import Opportunity


def opportunity_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity.objects.published().select_related("company"), external_id=external_id)
    sessions = opportunity.sessions.filter(starts_at__gt=timezone.now()).order_by("starts_at")
    return render(request, "companies/opportunity_detail.html", {"opportunity": opportunity, "sessions": sessions})
