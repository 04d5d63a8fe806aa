"""The main job on the embedded default: schema, sample world, matchmaking, learning, scheduling, mail.

Running it twice duplicates nothing: the sample world is upserted by external id, a matchmaking round
replaces the lists, scheduling replaces proposals (and offers the seats declined in the first run's
simulated answers), answers are simulated once, and mail is deduplicated by the outbox's keys.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import User
from companies.models import Company, Kind, Opportunity, Session
from companies.services import company_approve
from matchmaking.broker import workers_reachable
from students.models import ClassRequest, School, Student

DEMO_PASSWORD = "caunoi-demo"  # noqa: S105 — a published demo password for local accounts only


class Command(BaseCommand):
    help = "Run the whole pipeline on the embedded default and print a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, students: int, seed: int, **options: Any) -> None:
        self.started = time.perf_counter()
        # The demo waits for its rounds: with a broker and no worker that would be a silent wait.
        reach = workers_reachable(timeout=3)
        if not reach.ok:
            raise CommandError(reach.message)
        self.step(_("Creating the schema"))
        call_command("migrate", verbosity=0, interactive=False)
        self.step(
            _("Loading the sample world (%(students)d students) through import_data's validation")
            % {"students": students}
        )
        call_command("seed_demo", students=students, seed=seed, verbosity=0, stdout=_Null())
        accounts = self.demo_accounts()
        self.approvals()
        self.counts()
        self.matchmaking()
        self.learning()
        self.scheduling()
        self.answers(seed=seed)
        self.mail()
        self.step(_("Done"))
        site = settings.SITE_URL
        self.stdout.write(
            "\n"
            + _("Open the site:  %(command)s   then  %(url)s")
            % {"command": f"{_python()} manage.py runserver", "url": f"{site}/"}
            + "\n"
            + _("Sign in at %(url)s (password %(password)s); each account lands on its own home page:")
            % {"url": f"{site}/accounts/login/", "password": repr(DEMO_PASSWORD)}
            + "\n"
            + "".join(f"  {line}\n" for line in accounts)
            + _("The admin: %(url)s (organiser)") % {"url": f"{site}/admin/"}
            + "\n"
            + _("Finished in %(seconds).1f s.") % {"seconds": time.perf_counter() - self.started}
        )

    # --- steps ---------------------------------------------------------------------------------------

    def step(self, text: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"\n▸ {text}"))

    def demo_accounts(self) -> list[str]:
        """One account per role, tied to the sample world's first school and company."""
        school, company = (
            School.objects.order_by("external_id").first(),
            Company.objects.order_by("external_id").first(),
        )
        student = Student.objects.filter(school=school).order_by("external_id").first()
        wanted: list[tuple[str, dict[str, Any]]] = [
            ("organiser", {"role": User.Role.ORGANISER, "is_staff": True, "is_superuser": True}),
            ("coordinator", {"role": User.Role.SCHOOL_COORDINATOR, "school": school}),
            ("company", {"role": User.Role.COMPANY_STAFF, "company": company}),
            ("student", {"role": User.Role.STUDENT, "student": student}),
        ]
        names = []
        for username, fields in wanted:
            user, created = User.objects.get_or_create(username=username, defaults=fields)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            names.append(f"{username:<12} {user.get_role_display()}")
        return names

    def approvals(self) -> None:
        """The organiser has approved every company but the last two, which wait on the organiser's page:
        an unapproved company's opportunities reach no one."""
        companies = list(Company.objects.order_by("external_id").values_list("pk", "approved_at"))
        waiting = {pk for pk, _approved in companies[-2:]} if len(companies) > 2 else set()
        for pk, approved_at in companies:
            if approved_at is None and pk not in waiting:
                company_approve(company_id=pk)
        self.stdout.write(
            "  "
            + _("%(approved)d companies approved, %(waiting)d waiting for the organiser")
            % {
                "approved": Company.objects.approved().count(),
                "waiting": Company.objects.filter(approved_at__isnull=True).count(),
            }
        )

    def counts(self) -> None:
        rows = [
            (pgettext("demo count", "schools"), School.objects.count()),
            (pgettext("demo count", "students"), Student.objects.count()),
            (pgettext("demo count", "class requests"), ClassRequest.objects.count()),
            (pgettext("demo count", "companies, experts, artisans"), Company.objects.count()),
            (pgettext("demo count", "opportunities"), Opportunity.objects.count()),
            (pgettext("demo count", "sessions"), Session.objects.count()),
        ]
        for label, n in rows:
            self.stdout.write(f"  {n:6d}  {label}")
        kinds = Opportunity.objects.values("kind").annotate(n=Count("pk")).order_by("kind")
        by_kind = ", ".join(f"{Kind(k['kind']).label} {k['n']}" for k in kinds)
        self.stdout.write("  " + _("by kind: %(kinds)s") % {"kinds": by_kind})

    def matchmaking(self) -> None:
        from matchmaking.models import Match, OpportunityMatch
        from matchmaking.services import matchmake

        self.step(_("Matchmaking: every student and class request, both ways"))
        summary = matchmake(k=10)
        self.stdout.write(
            "  "
            + _(
                "%(matches)d recommendations for %(with_recommendations)d of %(participants)d participants, "
                "%(opportunity_matches)d participant suggestions for companies (%(seconds).1f s)"
            )
            % {
                "matches": summary.matches,
                "with_recommendations": summary.with_recommendations,
                "participants": summary.participants,
                "opportunity_matches": summary.opportunity_matches,
                "seconds": summary.seconds,
            }
        )
        for language in ("vi", "en"):
            match = (
                Match.objects.filter(rank=1, student__languages__0=language)
                .select_related("student", "opportunity")
                .order_by("student__external_id")
                .first()
            )
            if match and match.student:
                self.stdout.write(f"\n  {match.student.full_name} ({language}) — “{match.student.interests[:70]}”")
                for m in Match.objects.filter(student=match.student).select_related("opportunity")[:3]:
                    self.stdout.write(f"    #{m.rank} {m.score:.2f}  {m.opportunity.title}")
                    for reason in m.reason_texts[:3]:  # in the command's language, as any reader's
                        self.stdout.write(f"          · {reason}")
        top = OpportunityMatch.objects.filter(rank=1).select_related("opportunity", "student", "class_request").first()
        if top:
            who = top.student.full_name if top.student else str(top.class_request)
            self.stdout.write(
                "\n  "
                + _("For “%(title)s” the best fit is %(who)s (%(score).2f)")
                % {"title": top.opportunity.title, "who": who, "score": top.score}
            )

    def learning(self) -> None:
        from matchmaking.learning import feedback_simulate, ranker_train

        self.step(_("Learning from feedback (a simulated round of accept/decline)"))
        from matchmaking.services import matchmake

        created = feedback_simulate(seed=7)
        result = ranker_train()
        self.stdout.write(
            "  " + _("%(created)d new feedback rows; %(message)s") % {"created": created, "message": result.message}
        )
        if result.promoted:
            summary = matchmake(k=10)
            self.stdout.write(
                "  "
                + _("matchmaking again with model %(version)s: %(matches)d recommendations")
                % {"version": result.version, "matches": summary.matches}
            )

    def scheduling(self) -> None:
        from scheduler.models import Booking
        from scheduler.services import round_schedule

        self.step(_("Scheduling: proposed bookings and waitlists (optimal mode)"))
        report = round_schedule(mode="optimal")
        for line in report.lines():
            self.stdout.write(f"  {line}")
        shown = 0
        for booking in (
            Booking.objects.filter(status=Booking.Status.PROPOSED)
            .select_related("session__opportunity", "student", "class_request__school")
            .order_by("session__starts_at", "pk")
        ):
            waitlist = Booking.objects.filter(session=booking.session, status=Booking.Status.WAITLISTED)
            if not waitlist.exists() and shown >= 2:
                continue
            if booking.student:
                who = booking.student.full_name
            else:
                who = _("class %(name)s") % {"name": booking.class_request}
            when = pgettext("demo datetime", "D d/m H:i")
            self.stdout.write(
                f"\n  {who} → {booking.session.opportunity.title}, "
                + ngettext(
                    "%(start)s (%(seats)d seat, held until %(hold)s)",
                    "%(start)s (%(seats)d seats, held until %(hold)s)",
                    booking.seats,
                )
                % {
                    "start": formats.date_format(timezone.localtime(booking.session.starts_at), when),
                    "seats": booking.seats,
                    "hold": formats.date_format(timezone.localtime(booking.hold_until), "d/m H:i"),
                }
            )
            for w in waitlist.select_related("student", "class_request").order_by("waitlist_rank")[:3]:
                name = w.student.full_name if w.student else str(w.class_request)
                self.stdout.write(
                    "      " + _("waitlist #%(rank)d: %(name)s") % {"rank": w.waitlist_rank, "name": name}
                )
            shown += 1
            if shown >= 4:
                break

    def answers(self, *, seed: int) -> None:
        """What the week's first days bring, through the same services as the pages: most participants
        confirm their proposal (a minor without a guardian's consent cannot, and stays proposed), some
        decline, which offers the seat to the waitlist; companies accept half of the confirmed. So the
        organiser's dashboard and the week's report have something to show after the demo."""
        import random

        from scheduler.models import Booking
        from scheduler.services import BookingError, booking_company_accept, booking_confirm, booking_decline

        self.step(_("Answers: participants confirm or decline, companies accept (simulated)"))
        answered = (Booking.Status.CONFIRMED, Booking.Status.DECLINED)
        if Booking.objects.filter(status__in=answered).exists():
            self.stdout.write("  " + _("already answered on an earlier run: nothing simulated again"))
            return
        rng = random.Random(seed)
        counts = {"confirmed": 0, "declined": 0, "refused": 0, "accepted": 0}
        proposals = list(
            Booking.objects.filter(status=Booking.Status.PROPOSED)
            .order_by("session__starts_at", "pk")
            .values_list("pk", flat=True)
        )
        for pk in proposals:
            draw = rng.random()
            try:
                if draw < 0.75:
                    booking_confirm(booking_id=pk)
                    counts["confirmed"] += 1
                    if rng.random() < 0.5:
                        booking_company_accept(booking_id=pk)
                        counts["accepted"] += 1
                elif draw < 0.85:
                    booking_decline(booking_id=pk)
                    counts["declined"] += 1
            except BookingError:  # a minor without consent, a clash with a booking confirmed just before
                counts["refused"] += 1
        self.stdout.write(
            "  "
            + _(
                "%(confirmed)d confirmed, %(declined)d declined (their seats offered to the waitlist), "
                "%(refused)d could not confirm (no guardian's consent, or a clash); companies accepted %(accepted)d"
            )
            % counts
        )

    def mail(self) -> None:
        from matchmaking.digests import digests_send
        from notifications.models import OutboxMessage
        from notifications.services import outbox_relay

        self.step(_("Email: weekly digests and booking mail, through the outbox"))
        digests = digests_send()
        relay = outbox_relay()
        by_status = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        self.stdout.write(
            "  "
            + _(
                "digests queued this run: %(enqueued)d (already sent this week: %(already_sent)d, nothing new: "
                "%(nothing_new)d)"
            )
            % {"enqueued": digests.enqueued, "already_sent": digests.already_sent, "nothing_new": digests.nothing_new}
        )
        self.stdout.write(
            "  "
            + _("relay (%(transport)s): sent %(sent)d, suppressed %(suppressed)d")
            % {"transport": relay.transport, "sent": relay.sent, "suppressed": relay.suppressed}
        )
        statuses = ", ".join(f"{OutboxMessage.Status(k).label} {v}" for k, v in sorted(by_status.items()))
        self.stdout.write("  " + _("outbox: %(statuses)s") % {"statuses": statuses})
        self.stdout.write("  " + _("mail written to %(folder)s/") % {"folder": settings.MAIL_DIR})


class _Null:
    def write(self, *_: Any) -> None:
        pass

    def flush(self) -> None:
        pass


def _python() -> str:
    return ".venv/bin/python"
