"""Services of the companies base: approval by an organiser.

Approval is what publishes a company's opportunities (``Opportunity.objects.published()``). Withdrawing
it also withdraws what its opportunities already gave out: that is the scheduler's
``company_approval_withdraw``, since bookings are the scheduler's.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Company


def company_approve(*, company_id: int, now: dt.datetime | None = None) -> Company:
    """Publish the company's opportunities from now on. Approving twice keeps the first date."""
    Company.objects.filter(pk=company_id, approved_at__isnull=True).update(
        approved_at=now or timezone.now(), rejected_at=None, rejection_reason="", updated_at=timezone.now()
    )
    return Company.objects.get(pk=company_id)


class RejectionError(Exception):
    """A rejection that cannot be recorded; the message says why, fit to show to the organiser."""


def company_reject(*, company_id: int, reason: str, now: dt.datetime | None = None) -> Company:
    """Record an organiser's refusal of a company waiting for approval: it stays unpublished.

    An approved company is not rejected here: withdrawing an approval also withdraws its bookings
    (``scheduler.services.company_approval_withdraw``). Rejecting again replaces the reason.
    """
    reason = reason.strip()
    if not reason:
        raise RejectionError("Say why the company is rejected.")
    now = now or timezone.now()
    changed = Company.objects.filter(pk=company_id, approved_at__isnull=True).update(
        rejected_at=now, rejection_reason=reason, updated_at=now
    )
    if not changed:
        company = Company.objects.get(pk=company_id)  # DoesNotExist for an unknown id
        raise RejectionError(f"{company.name} is approved: withdraw the approval instead.")
    return Company.objects.get(pk=company_id)
