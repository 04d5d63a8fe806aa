"""POST /imports: the CSV contract files over HTTP, through the same ``exchange.loader.data_import`` as the
``import_data`` command, with the same report as JSON. Nothing is written on any problem.

Who may import what: organisers every file; a coordinator students and class requests of their own
school; company staff their own company's opportunities and sessions. A row outside the actor's scope —
naming another school or company, or reusing the external id of someone else's row (rows are upserted
by external id, so that would take the row over) — is a problem like any other, naming its line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions as p
from api.rest import ErrorSerializer, ScopedThrottle
from companies.models import Company
from exchange.contract import SPEC_BY_NAME, Problem
from exchange.scope import scoped_import, uploaded_names
from scheduler.services import sessions_import_guard
from students.models import School

ROLES = frozenset({p.ORGANISER, p.COORDINATOR, p.STAFF})


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


@extend_schema(tags=["imports"])
class ImportView(APIView):
    permission_classes = [p.ActionRoles]
    roles = {"post": ROLES}
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
            return Response({"detail": _("An import may be at most %(limit)d bytes.") % {"limit": limit}}, status=413)
        files, problems = {}, []
        contract_names = uploaded_names(request.FILES)
        for field, upload in request.FILES.items():
            if field not in contract_names:
                problems.append(Problem(field, 0, "-", _("not a file of the CSV contract")))
            elif upload.size is not None and upload.size > limit:
                too_big = _("An import may be at most %(limit)d bytes.") % {"limit": limit}
                return Response({"detail": too_big}, status=413)
            else:
                # An .xlsx upload (by its field or file name) is read as the spreadsheet it is.
                xlsx = field.lower().endswith(".xlsx") or (upload.name or "").lower().endswith(".xlsx")
                files[contract_names[field].removesuffix(".csv") + (".xlsx" if xlsx else ".csv")] = upload
        unknown = sorted(set(request.data) - {*request.FILES, "dry_run"})
        problems += [Problem(name, 0, "-", _("unknown form field")) for name in unknown]
        if not files and not problems:
            problems.append(Problem("-", 0, "-", _("no contract file was uploaded")))
        dry_run = serializers.BooleanField()
        try:
            wanted = dry_run.to_internal_value(request.POST.get("dry_run", False))
        except serializers.ValidationError:
            problems.append(Problem("dry_run", 0, "-", _("must be true or false")))
        if problems:
            return Response(_report(ok=False, problems=problems), status=status.HTTP_400_BAD_REQUEST)
        return self._import(files, dry_run=wanted)

    def _import(self, files: dict[str, Any], *, dry_run: bool) -> Response:
        user = self.request.user
        role = p.role_of(user)
        school = School.objects.get(pk=p.org_id(user, "school_id")) if role == p.COORDINATOR else None
        company = Company.objects.get(pk=p.org_id(user, "company_id")) if role == p.STAFF else None
        with tempfile.TemporaryDirectory(prefix="caunoi-import-") as folder:
            directory = Path(folder)
            for name, upload in files.items():
                with (directory / name).open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
            report = scoped_import(
                directory=directory, school=school, company=company, dry_run=dry_run, guard=sessions_import_guard
            )
        if not report.ok:
            return Response(_report(ok=False, problems=report.problems), status=status.HTTP_400_BAD_REQUEST)
        counts = {name: c.numbers() for name, c in report.counts.items()}
        body = _report(ok=True, dry_run=dry_run, counts=counts, ignored=report.validation.ignored)
        return Response(body, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)
