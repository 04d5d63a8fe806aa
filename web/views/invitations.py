"""New accounts from the pages: a company registers itself; a school invites its students and colleague
coordinators; a company invites its colleagues. The rules live in ``accounts.services`` and
``privacy.invitations``; these views show their outcome in the user's words."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.services import AccountError, company_signup
from accounts.throttles import LoginAddressThrottle
from privacy import invitations
from privacy.models import InvitationRun
from students.models import School

from ..forms_accounts import ACCOUNT_EXISTS, COLLEAGUE_EXISTS, ColleagueForm, CompanySignupForm, CoordinatorForm
from .accounts import HOMES, throttled
from .company import staff_only
from .organiser import organiser_only
from .school import _student, coordinator_only, school_of


def _name(user: object) -> str:
    assert isinstance(user, User)
    return user.get_full_name() or user.get_username()


@require_http_methods(["GET", "POST"])
def company_signup_page(request: HttpRequest) -> HttpResponse:
    """A company, expert, entrepreneur or artisan opens an account; the organiser approves it later."""
    if isinstance(request.user, User):
        return redirect(HOMES.get(request.user.role, "web:home"))
    form = CompanySignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        refused = throttled(request, [LoginAddressThrottle()])  # one address cannot make accounts in bulk
        if refused:
            status = refused[0]
            form.add_error(None, _("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": refused[1]})
        elif form.is_valid():
            data = form.cleaned_data
            try:
                user = company_signup(
                    name=data["name"],
                    profile=data["profile"],
                    province=data["province"],
                    contact_email=data["contact_email"],
                    person_name=data["person_name"],
                    email=data["email"],
                    password=data["password1"],
                    sector=data["sector"],
                    website=data["website"],
                    address=data["address"],
                )
            except AccountError:
                form.add_error("email", ACCOUNT_EXISTS)  # taken between the form's check and the insert
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _(
                        "Welcome. The province's organiser will check %(name)s; "
                        "meanwhile you can prepare your opportunities."
                    )
                    % {"name": data["name"]},
                )
                return redirect("web:company-home")
    return render(request, "web/accounts/company_signup.html", {"form": form}, status=status)


# --- the school -----------------------------------------------------------------------------------------

# Lazy: read in the request's language, not the one active when the module was imported.
STUDENT_OUTCOMES = {
    invitations.INVITED: gettext_lazy("The invitation is on its way to %(email)s."),
    invitations.ALREADY_TODAY: gettext_lazy("Already invited today: the student can use the link of that mail."),
    invitations.HAS_ACCOUNT: gettext_lazy("%(name)s already has an account."),
    invitations.NO_EMAIL: gettext_lazy("No email on record for %(name)s: add it in the students file first."),
    invitations.NEEDS_CONSENT: gettext_lazy("%(name)s is under 18: the guardian's consent is needed before any mail."),
}


@coordinator_only
@require_POST
def student_invite(request: HttpRequest, pk: int) -> HttpResponse:
    student = _student(request, pk)
    outcome = invitations.student_invite(student=student, invited_by=_name(request.user))
    text = str(STUDENT_OUTCOMES[outcome.status]) % {"email": student.email, "name": student.full_name}
    (messages.success if outcome.status == invitations.INVITED else messages.info)(request, text)
    return redirect("web:school-student", pk=student.pk)


@coordinator_only
@require_POST
def students_invite(request: HttpRequest) -> HttpResponse:
    """Start the school's "invite every student" run; the students page follows it (a second click while
    one runs starts nothing)."""
    invitations.students_invite_start(
        school_id=school_of(request).pk,
        invited_by=_name(request.user),
        requested_by=request.user if isinstance(request.user, User) else None,
    )
    return redirect(reverse("web:school-students") + "#invite-all-title")


@coordinator_only
@require_GET
def students_invite_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's progress, polled every 2 s by the students page while it is queued or running."""
    school = school_of(request)
    invitations.runs_settle(school_id=school.pk)
    run = get_object_or_404(InvitationRun, pk=pk, school=school)
    return render(request, "web/school/_invite_run.html", {"run": run})


def _colleagues_page(request: HttpRequest, *, school_id: int | None, company_id: int | None, organisation: str,
                     template: str) -> HttpResponse:
    form = ColleagueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.colleague_invite(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                invited_by=_name(request.user),
                organisation=organisation,
                school_id=school_id,
                company_id=company_id,
            )
        except AccountError:  # taken, or a student's, between the form's check and the insert
            form.add_error("email", COLLEAGUE_EXISTS)
        else:
            messages.success(
                request, _("The invitation is on its way to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect(request.path)
    people = User.objects.filter(school_id=school_id) if school_id is not None else User.objects.filter(
        company_id=company_id or 0
    )
    return render(request, template, {"form": form, "people": people.order_by("first_name", "username")})


@coordinator_only
@require_http_methods(["GET", "POST"])
def school_colleagues(request: HttpRequest) -> HttpResponse:
    school = school_of(request)
    return _colleagues_page(
        request, school_id=school.pk, company_id=None, organisation=school.name, template="web/school/colleagues.html"
    )


@staff_only
@require_http_methods(["GET", "POST"])
def company_colleagues(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User) and request.user.company is not None
    company = request.user.company
    return _colleagues_page(
        request,
        school_id=None,
        company_id=company.pk,
        organisation=company.name,
        template="web/company/colleagues.html",
    )


# --- the organiser ----------------------------------------------------------------------------------------


@organiser_only
@require_http_methods(["GET", "POST"])
def organiser_schools(request: HttpRequest) -> HttpResponse:
    """The province's schools with their coordinators; invite a school's coordinator."""
    schools = list(
        School.objects.annotate(students_count=Count("students", distinct=True)).order_by("province", "name")
    )
    form = CoordinatorForm(request.POST or None, schools=[(s.pk, s.name) for s in schools])
    if request.method == "POST" and form.is_valid():
        school = next(s for s in schools if s.pk == form.cleaned_data["school"])
        try:
            invitations.colleague_invite(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                invited_by=_name(request.user),
                organisation=school.name,
                school_id=school.pk,
            )
        except AccountError:
            form.add_error("email", COLLEAGUE_EXISTS)
        else:
            messages.success(
                request,
                _("The invitation is on its way to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("web:organiser-schools")
    people: dict[int, list[User]] = {}
    for user in User.objects.filter(role=User.Role.SCHOOL_COORDINATOR).order_by("first_name", "username"):
        people.setdefault(user.school_id or 0, []).append(user)
    rows = [(school, people.get(school.pk, [])) for school in schools]
    return render(request, "web/organiser/schools.html", {"form": form, "rows": rows})
