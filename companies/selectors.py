"""Reads of companies, opportunities and sessions that several callers share.

Publication is one rule: an opportunity reaches students and schools (catalogue, matchmaking,
scheduling, digests, booking, pages and API) only while its company is approved.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Company, Opportunity, Session


def companies_approved() -> QuerySet[Company]:
    return Company.objects.approved()


def opportunities_published() -> QuerySet[Opportunity]:
    return Opportunity.objects.published()


def sessions_published() -> QuerySet[Session]:
    return Session.objects.published()


def opportunity_is_published(opportunity: Opportunity) -> bool:
    return opportunity.company.approved_at is not None
