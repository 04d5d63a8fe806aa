"""An opportunity nobody was proposed for: who it can reach, step by step, so its company sees where
the participants were lost and what to change. The counting is ``students.selectors.opportunity_reach``;
this page only says it.

The last step, relevance, is the engine's and is not counted: when participants remain, what they wrote
was not close enough.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

import places
from companies.models import Opportunity
from students.selectors import opportunity_reach


@dataclass(frozen=True)
class Step:
    text: str  # "120 students and 3 classes of the levels it is for"; later steps "of them, …"
    nobody: bool  # the step left no one


@dataclass(frozen=True)
class Reach:
    steps: list[Step]
    advice: str  # what to change, for the step where nobody was left (or the wording, when some were)


def reach(opportunity: Opportunity, now: dt.datetime) -> Reach:
    counts = opportunity_reach(opportunity, now=now)
    steps = []
    for n, counted in enumerate(counts.steps):
        values = {
            "students": ngettext("%(n)d student", "%(n)d students", counted.students) % {"n": counted.students},
            "classes": ngettext("%(n)d class", "%(n)d classes", counted.classes) % {"n": counted.classes},
            "step": _label(counted.step, opportunity),
        }
        if n:
            text = _("of them, %(students)s and %(classes)s %(step)s") % values
        else:
            text = _("%(students)s and %(classes)s %(step)s") % values
        steps.append(Step(text, counted.nobody))
    return Reach(steps, _advice(counts.stopped))


def _label(step: str, opportunity: Opportunity) -> str:
    if step == "levels":
        return _("of the levels it is for")
    if step == "near":
        where = places.name(opportunity.province, "en" if get_language() == "en" else "vi")
        return _("in %(province)s or a neighbouring province") % {"province": where}
    if step == "kind":
        return _("who take this kind of opportunity")
    if step == "age":
        return ngettext(
            "%(age)d year old or more on a session's day",
            "%(age)d years old or more on a session's day",
            opportunity.min_age or 0,
        ) % {"age": opportunity.min_age}
    return _("free for the whole of one of its sessions")


def _advice(stopped: str | None) -> str:
    if stopped == "levels":
        return _("Open it to more levels of study.")
    if stopped == "near":
        return _("Offer it online too: participants of every province can then join.")
    if stopped == "kind":
        return _("Few participants look for this kind: another kind may reach more.")
    if stopped == "no_session":
        return _("Add a session: the round proposes participants for upcoming sessions only.")
    if stopped == "age":
        return _("Few participants are that old: a lower minimum age would reach more.")
    if stopped == "free":
        return _("Add sessions at other times: none of these participants is free at the times you chose.")
    return _(
        "What these participants wrote about their interests is not close enough to what the opportunity says: "
        "describe what they will see, do and learn, in the words a student would use."
    )
