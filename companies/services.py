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
        approved_at=now or timezone.now(), updated_at=timezone.now()
    )
    return Company.objects.get(pk=company_id)
