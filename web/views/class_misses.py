"""A class with no recommendation: the opportunities about what it asked for, and why each was not
offered, in the coordinator's words.

A round lists an opportunity for a class only when it is close enough to the class's wishes *and* the
class can take a seat: its level, a session inside the class's free times with room for the whole class,
a group size the company accepts, a kind the class asked for. When the list is empty the coordinator
needs to know which of those stood in the way ("it is for university students", "no session in the
class's free times has 38 seats left") to change the free times, ask the company, or book what fits.
The opportunities are those the catalogue's search finds for the phrases of the class's wishes that the
vocabularies know, kept when they name one of the same concepts (a search for "an ninh mạng, mạng máy
tính" also finds "nhà máy", a factory, by its word "máy": not about what the class asked), most
concepts in common first (``matchmaking.search``); the checks are the scheduler's (``students.fit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import places
from companies.models import Kind, Level, Opportunity
from companies.selectors import opportunities_published
from matchmaking.search import catalogue_search, interest_query, shared_concepts
from students.fit import class_offer_misfit, free_time
from students.models import ClassRequest

from .public import upcoming_sessions

NEAR_MISSES = 5
CANDIDATES = 50  # the search's best, read for the concepts they share with the class's wishes


@dataclass(frozen=True)
class NearMiss:
    opportunity: Opportunity
    about: str  # what it shares with the class's wishes, in the class's words ("an ninh mạng")
    why: str
    fits: bool  # a session fits the class and has room: it can be booked from the opportunity's page


def near_misses(row: ClassRequest, now: dt.datetime, limit: int = NEAR_MISSES) -> list[NearMiss]:
    """Up to ``limit`` published opportunities about what the class asked for (best search match first),
    each with why it was not offered, or that it fits."""
    query = interest_query(row.interests or "")
    if not query:
        return []
    found = catalogue_search(opportunities_published(), query).order_by("-search_score", "pk")[:CANDIDATES]
    about = {o.pk: shared_concepts(row.interests, f"{o.title}\n{o.description}") for o in found}
    best = sorted((o for o in found if about[o.pk]), key=lambda o: -len(about[o.pk]))[:limit]  # stable
    if not best:
        return []
    opportunities = {
        o.pk: o
        for o in Opportunity.objects.filter(pk__in=[o.pk for o in best])
        .select_related("company")
        .prefetch_related(Prefetch("sessions", queryset=upcoming_sessions(), to_attr="upcoming"))
    }
    free = free_time([(a.starts_at, a.ends_at) for a in row.availability.filter(ends_at__gt=now)])
    return [
        NearMiss(opportunities[o.pk], ", ".join(about[o.pk][:3]), *_why_not(row, opportunities[o.pk], free, now))
        for o in best
    ]


def _why_not(
    row: ClassRequest, opportunity: Opportunity, free: tuple[tuple[dt.datetime, dt.datetime], ...], now: dt.datetime
) -> tuple[str, bool]:
    sessions = list(getattr(opportunity, "upcoming", []))
    misfit = class_offer_misfit(row, opportunity, sessions, now=now, free=free)
    if misfit is None:
        return _("It fits the class: book a session on its page."), True
    if misfit == "kind":
        why = _("Its kind is %(kind)s; the class asked for %(kinds)s.") % {
            "kind": str(Kind(opportunity.kind).label).lower(),
            "kinds": ", ".join(str(Kind(k).label).lower() for k in row.kinds if k in Kind.values),
        }
    elif misfit == "deadline":
        assert opportunity.apply_by is not None
        why = _("Applications closed on %(date)s.") % {"date": formats.date_format(opportunity.apply_by, "d/m/Y")}
    elif misfit == "level":
        why = _("It is for %(levels)s only.") % {
            "levels": ", ".join(str(Level(v).label).lower() for v in opportunity.levels if v in Level.values)
        }
    elif misfit == "far":
        why = _("It takes place in %(province)s, beyond the school's province and its neighbours.") % {
            "province": places.name(opportunity.province, "en" if get_language() == "en" else "vi")
        }
    elif misfit == "no_session":
        why = _("It has no upcoming session.")
    elif misfit == "group":
        why = _("It takes groups of %(low)s to %(high)s; the class has %(size)d students.") % {
            "low": opportunity.group_min or 1,
            "high": opportunity.group_max or "…",
            "size": row.group_size,
        }
    elif misfit == "time":
        why = _("None of its sessions is in the class's free times.")
    else:
        why = _("No session in the class's free times has %(size)d seats left.") % {"size": row.group_size}
    return why, False
