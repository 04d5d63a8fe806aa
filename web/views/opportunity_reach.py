"""An opportunity nobody was proposed for: who it can reach, step by step, so its company sees where
the participants were lost and what to change.

A round proposes a participant for an opportunity only when the participant is of one of its levels,
within reach (the opportunity online, or in the participant's province or a neighbouring one), takes
its kind, is old enough (students) and free for a whole session, and then only when what they wrote is
close enough to what the opportunity is about. The counts follow those steps, each among the previous
one's participants, with the database's counts (students whose data has not been erased, and class
requests); "free" is a session inside one of the participant's free-time entries (the round also joins
entries that touch, so it may find a few more). The last step, relevance, is the engine's and is not
counted here: when participants remain, what they wrote was not close enough.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

import places
from companies.models import Opportunity, Session
from students.models import AvailabilityInterval, ClassRequest, Student


@dataclass(frozen=True)
class Step:
    text: str  # "120 students and 3 classes of the levels it is for"; later steps "of them, …"
    students: int
    classes: int

    @property
    def nobody(self) -> bool:
        return not self.students and not self.classes


@dataclass(frozen=True)
class Reach:
    steps: list[Step]
    advice: str  # what to change, for the step where nobody was left (or the wording, when some were)


def reach(opportunity: Opportunity, now: dt.datetime) -> Reach:
    students = Student.objects.active()
    classes = ClassRequest.objects.all()
    steps: list[Step] = []

    def step(label: str) -> Step:
        n_students, n_classes = students.count(), classes.count()
        values = {
            "students": ngettext("%(n)d student", "%(n)d students", n_students) % {"n": n_students},
            "classes": ngettext("%(n)d class", "%(n)d classes", n_classes) % {"n": n_classes},
            "step": label,
        }
        if steps:
            text = _("of them, %(students)s and %(classes)s %(step)s") % values
        else:
            text = _("%(students)s and %(classes)s %(step)s") % values
        done = Step(text, n_students, n_classes)
        steps.append(done)
        return done

    if opportunity.levels:
        students, classes = students.filter(level__in=opportunity.levels), classes.filter(level__in=opportunity.levels)
    if step(_("of the levels it is for")).nobody:
        return Reach(steps, _("Open it to more levels of study."))
    if not opportunity.online:
        near = {opportunity.province, *places.neighbour_map().get(opportunity.province, frozenset())}
        students, classes = students.filter(province__in=near), classes.filter(school__province__in=near)
        where = places.name(opportunity.province, "en" if get_language() == "en" else "vi")
        if step(_("in %(province)s or a neighbouring province") % {"province": where}).nobody:
            return Reach(steps, _("Offer it online too: participants of every province can then join."))
    # The kinds a participant takes: a student's excluded kinds, a class's asked-for kinds (lists in JSON,
    # read here rather than queried: SQLite cannot look inside them).
    # Only the few who exclude a kind or ask for some are read, and those who do not take this one left out.
    kind = opportunity.kind
    refusing = students.exclude(excluded_kinds=[]).values_list("pk", "excluded_kinds")
    students = students.exclude(pk__in=[pk for pk, excluded in refusing if kind in excluded])
    asking = classes.exclude(kinds=[]).values_list("pk", "kinds")
    classes = classes.exclude(pk__in=[pk for pk, wanted in asking if kind not in wanted])
    if step(_("who take this kind of opportunity")).nobody:
        return Reach(steps, _("Few participants look for this kind: another kind may reach more."))
    sessions = list(
        Session.objects.not_cancelled().filter(opportunity=opportunity, starts_at__gt=now).order_by("starts_at")
    )
    if not sessions:
        return Reach(steps, _("Add a session: the round proposes participants for upcoming sessions only."))
    if opportunity.min_age:
        students = students.aged(opportunity.min_age, timezone.localdate(sessions[-1].starts_at))
        label = ngettext(
            "%(age)d year old or more on a session's day",
            "%(age)d years old or more on a session's day",
            opportunity.min_age,
        ) % {"age": opportunity.min_age}
        if step(label).nobody:
            return Reach(steps, _("Few participants are that old: a lower minimum age would reach more."))
    free = AvailabilityInterval.objects.filter(
        functools.reduce(operator.or_, (Q(starts_at__lte=s.starts_at, ends_at__gte=s.ends_at) for s in sessions))
    )
    students = students.filter(pk__in=free.filter(student__isnull=False).values("student_id"))
    classes = classes.filter(pk__in=free.filter(class_request__isnull=False).values("class_request_id"))
    if step(_("free for the whole of one of its sessions")).nobody:
        return Reach(
            steps, _("Add sessions at other times: none of these participants is free at the times you chose.")
        )
    return Reach(
        steps,
        _(
            "What these participants wrote about their interests is not close enough to what the opportunity says: "
            "describe what they will see, do and learn, in the words a student would use."
        ),
    )
