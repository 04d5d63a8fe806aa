"""POST /imports: the CSV contract files over HTTP, through the same ``exchange.loader.data_import`` as the
``import_data`` command, with the same report as JSON. Nothing is written on any problem.

Who may import what: organisers every file; a coordinator students and class requests of their own
school; company staff their own company's opportunities and sessions. A row outside the actor's scope —
naming another school or company, or reusing the external id of someone else's row (rows are upserted
by external id, so that would take the row over) — is a problem like any other, naming its line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions as p
from api.rest import ErrorSerializer, ScopedThrottle
from companies.models import Company, Opportunity, Session
from exchange.contract import SPEC_BY_NAME, Problem, iter_rows, validate
from exchange.loader import data_import, stored_parents
from students.models import ClassRequest, School, Student

FILES_BY_ROLE = {
    p.ORGANISER: frozenset(SPEC_BY_NAME),
    p.COORDINATOR: frozenset({"students.csv", "class_requests.csv"}),
    p.STAFF: frozenset({"opportunities.csv", "sessions.csv"}),
}
CHUNK = 2000


class ProblemSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField()
    column = serializers.CharField()
    reason = serializers.CharField()


class CountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    erased = serializers.IntegerField(help_text="Rows of students erased on request, left alone.")


class ImportReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    problems = ProblemSerializer(many=True)
    counts = serializers.DictField(child=CountsSerializer())
    ignored = serializers.ListField(child=serializers.CharField())


def _report(
    *, ok: bool, dry_run: bool = False, problems: Iterable[Problem] = (), **extra: Any
) -> dict[str, Any]:
    return {
        "ok": ok,
        "dry_run": dry_run,
        "problems": [vars(problem) for problem in problems],
        "counts": extra.get("counts", {}),
        "ignored": extra.get("ignored", []),
    }


def _existing_owner(model: type[Model], ids: list[str], owner: str) -> dict[str, Any]:
    """external id -> owner key of the rows already stored (chunked: a file may hold 100,000 ids)."""
    found: dict[str, Any] = {}
    manager: QuerySet[Any] = model._default_manager.all()
    for start in range(0, len(ids), CHUNK):
        found.update(
            manager.filter(external_id__in=ids[start : start + CHUNK]).values_list("external_id", owner)
        )
    return found


def scope_problems(directory: Path, user: Any, names: Iterable[str]) -> Iterator[Problem]:
    """Rows of already valid files that fall outside a coordinator's school or a staff's company."""
    today = timezone.localdate()
    role = p.role_of(user)
    if role == p.COORDINATOR:
        school = School.objects.get(pk=user.school_id).external_id
        checks = {
            "students.csv": (Student, "school__external_id"),
            "class_requests.csv": (ClassRequest, "school__external_id"),
        }
        for name in sorted(set(names) & set(checks)):
            model, owner = checks[name]
            rows = list(iter_rows(directory, SPEC_BY_NAME[name], today=today))
            stored = _existing_owner(model, [r.values["external_id"] for r in rows], owner)
            for row in rows:
                if row.values["school"] != school:
                    yield Problem(name, row.line, "school", f"{row.values['school']!r} is not your school")
                elif stored.get(row.values["external_id"], school) != school:
                    yield Problem(name, row.line, "external_id", "this id belongs to another school's row")
    elif role == p.STAFF:
        company = Company.objects.get(pk=user.company_id).external_id
        mine: set[str] = set()
        if "opportunities.csv" in names:
            rows = list(iter_rows(directory, SPEC_BY_NAME["opportunities.csv"], today=today))
            stored = _existing_owner(
                Opportunity, [r.values["external_id"] for r in rows], "company__external_id"
            )
            for row in rows:
                if row.values["company"] != company:
                    yield Problem(
                        "opportunities.csv",
                        row.line,
                        "company",
                        f"{row.values['company']!r} is not your company",
                    )
                elif stored.get(row.values["external_id"], company) != company:
                    yield Problem(
                        "opportunities.csv",
                        row.line,
                        "external_id",
                        "this id belongs to another company's row",
                    )
                else:
                    mine.add(row.values["external_id"])
        if "sessions.csv" in names:
            rows = list(iter_rows(directory, SPEC_BY_NAME["sessions.csv"], today=today))
            parents = _existing_owner(
                Opportunity, sorted({r.values["opportunity"] for r in rows}), "company__external_id"
            )
            stored = _existing_owner(
                Session, [r.values["external_id"] for r in rows], "opportunity__company__external_id"
            )
            for row in rows:
                parent = row.values["opportunity"]
                if parent not in mine and parents.get(parent) != company:
                    yield Problem(
                        "sessions.csv", row.line, "opportunity", f"{parent!r} is not your company's"
                    )
                elif stored.get(row.values["external_id"], company) != company:
                    yield Problem(
                        "sessions.csv", row.line, "external_id", "this id belongs to another company's row"
                    )


@extend_schema(tags=["imports"])
class ImportView(APIView):
    permission_classes = [p.ActionRoles]
    roles = {"post": frozenset(FILES_BY_ROLE)}
    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "imports"

    @extend_schema(
        operation_id="imports_create",
        request={
            "multipart/form-data": inline_serializer(
                "ImportUpload",
                {
                    **{
                        name.removesuffix(".csv"): serializers.FileField(required=False)
                        for name in SPEC_BY_NAME
                    },
                    "dry_run": serializers.BooleanField(required=False, default=False),
                },
            )
        },
        responses={
            200: OpenApiResponse(ImportReportSerializer, description="dry run: what would change"),
            201: ImportReportSerializer,
            400: ImportReportSerializer,
            413: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        """Upload contract files (one form field each: ``students``, ``sessions``…) and import them."""
        limit = settings.IMPORT_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return Response({"detail": f"An import may be at most {limit} bytes."}, status=413)
        files, problems = {}, []
        for field, upload in request.FILES.items():
            name = field if field.endswith(".csv") else f"{field}.csv"
            if name not in SPEC_BY_NAME:
                problems.append(Problem(field, 0, "-", "not a file of the CSV contract"))
            elif upload.size is not None and upload.size > limit:
                return Response({"detail": f"An import may be at most {limit} bytes."}, status=413)
            else:
                files[name] = upload
        unknown = sorted(set(request.data) - {*request.FILES, "dry_run"})
        problems += [Problem(name, 0, "-", "unknown form field") for name in unknown]
        if not files and not problems:
            problems.append(Problem("-", 0, "-", "no contract file was uploaded"))
        if problems:
            return Response(_report(ok=False, problems=problems), status=status.HTTP_400_BAD_REQUEST)
        allowed = FILES_BY_ROLE[p.role_of(request.user)]  # type: ignore[index]
        refused = [
            Problem(name, 0, "-", "your role may not import this file")
            for name in sorted(files)
            if name not in allowed
        ]
        if refused:
            return Response(_report(ok=False, problems=refused), status=status.HTTP_400_BAD_REQUEST)
        dry_run = serializers.BooleanField().to_internal_value(request.POST.get("dry_run", False))
        return self._import(files, dry_run=dry_run)

    def _import(self, files: dict[str, Any], *, dry_run: bool) -> Response:
        with tempfile.TemporaryDirectory(prefix="caunoi-import-") as folder:
            directory = Path(folder)
            for name, upload in files.items():
                with (directory / name).open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
            checked = validate(directory, stored_parents, today=timezone.localdate())
            if not checked.ok:
                return Response(
                    _report(ok=False, problems=checked.problems), status=status.HTTP_400_BAD_REQUEST
                )
            outside = list(scope_problems(directory, self.request.user, files))
            if outside:
                return Response(_report(ok=False, problems=outside), status=status.HTTP_400_BAD_REQUEST)
            report = data_import(directory=directory, dry_run=dry_run)
        if not report.ok:  # the database changed between the two validations
            return Response(_report(ok=False, problems=report.problems), status=status.HTTP_400_BAD_REQUEST)
        counts = {name: vars(c) for name, c in report.counts.items()}
        body = _report(ok=True, dry_run=dry_run, counts=counts, ignored=report.validation.ignored)
        return Response(body, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)
