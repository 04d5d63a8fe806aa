"""The coordinator's files: upload students and class requests, read the row report (a dry run), import.

Between the preview and the import the uploaded files wait in the database (``exchange.pending``), named by
a random token kept in the coordinator's session (never a path from the form): the import may reach another
web machine than the preview did. They are deleted after the import, when the preview finds problems, when
a new file is uploaded, and — for previews never imported — after ``exchange.pending.KEEP``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exchange.contract import SPEC_BY_STEM, FileSpec, spec_for_file
from exchange.loader import MAX_CHANGES, MODELS, ImportReport
from exchange.pending import pending_files, pending_find, pending_forget, pending_store
from exchange.scope import scoped_import
from exchange.template_files import CONTENT_TYPES, template_bytes
from scheduler.services import sessions_import_guard

from ..forms_school import UploadForm
from .school import coordinator_only, school_of

SESSION_KEY = "school_upload"
TEMPLATES = ("students", "class_requests")


def _forget(request: HttpRequest) -> None:
    kept = request.session.pop(SESSION_KEY, None) or {}
    pending_forget(str(kept.get("token", "")))


def _store(request: HttpRequest, form: UploadForm) -> str:
    _forget(request)  # a new upload replaces the one waiting
    uploads, names, files = [], [], {}
    for field in ("students", "class_requests"):
        upload = form.cleaned_data.get(field)
        if upload is None:
            continue
        suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
        uploads.append((f"{field}{suffix}", upload.chunks()))
        names.append(upload.name)
        files[field] = upload.name
    school = school_of(request)
    token = pending_store(school_id=school.pk, files=uploads, names=names)
    request.session[SESSION_KEY] = {"token": token, "school": school.pk, "names": names, "files": files}
    return token


def _column_label(spec: FileSpec | None, column: str) -> str:
    """The column as the coordinator knows it: in Vietnamese its usual header (the first alias, e.g.
    'Ngày sinh (birth_date)'), else the contract's name."""
    found = next((c for c in spec.columns if c.name == column), None) if spec else None
    if found is None or not found.aliases or not (translation.get_language() or "").startswith("vi"):
        return column
    return f"{found.aliases[0]} ({column})"


def _problem_rows(report: ImportReport, files: dict[str, str]) -> list[dict[str, Any]]:
    """Each problem as the coordinator reads it: their own file's name, the row, the column's name."""
    rows = []
    for problem in report.problems:
        spec = spec_for_file(problem.file)
        rows.append(
            {
                "file": files.get(spec.stem, problem.file) if spec else "",
                "line": problem.line,
                "column": _column_label(spec, problem.column) if problem.column != "-" else "",
                "reason": problem.reason,
            }
        )
    return rows


def _shown(value: Any) -> str:
    """A stored value as the preview shows it ("" for nothing)."""
    if value in (None, "", [], ()):
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _change_rows(report: ImportReport) -> list[dict[str, Any]]:
    """Each field an import would change in a stored row, a cleared one marked: an empty cell clears its
    field (the contract), so a re-upload with a column left empty is seen before it is imported."""
    rows = []
    for name, counts in report.counts.items():
        model = MODELS.get(name)
        for change in counts.changes:
            try:
                found = model._meta.get_field(change.field) if model else None
            except FieldDoesNotExist:  # never (the loader writes model fields), but a preview must not fail
                found = None
            label = str(getattr(found, "verbose_name", "") or change.field)
            rows.append({
                "row": change.external_id,
                "field": label[:1].upper() + label[1:],
                "before": _shown(change.before),
                "after": _shown(change.after),
                "cleared": change.cleared,
            })
    return rows


def _run(request: HttpRequest, token: str, *, dry_run: bool) -> ImportReport | None:
    """The import (or its dry run) of the waiting upload ``token``; None if it is no longer waiting."""
    school = school_of(request)
    upload = pending_find(token, school_id=school.pk)
    if upload is None:
        return None
    with pending_files(upload) as folder:
        return scoped_import(directory=folder, school=school, dry_run=dry_run, guard=sessions_import_guard)


def _page(
    request: HttpRequest,
    form: UploadForm,
    report: ImportReport | None = None,
    files: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    if report is not None:
        labels = {"students.csv": _("Students"), "class_requests.csv": _("Class requests")}
        extra["report"] = report
        extra["problems"] = _problem_rows(report, files or {})
        extra["count_rows"] = [
            (labels.get(name, name), (files or {}).get(name.removesuffix(".csv"), ""), counts)
            for name, counts in report.counts.items()
        ]
        extra["changes"] = _change_rows(report)
        extra["changes_cut"] = any(len(c.changes) >= MAX_CHANGES for c in report.counts.values())
    columns = [(_("Students"), SPEC_BY_STEM["students"]), (_("Class requests"), SPEC_BY_STEM["class_requests"])]
    context = {
        "form": form,
        "templates": TEMPLATES,
        "school_code": school_of(request).external_id,
        "columns": columns,
        **extra,
    }
    return render(request, "web/school/upload.html", context)


@coordinator_only
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: keep the files and show what an import would do (nothing is written)."""
    if request.method == "GET":
        return _page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form)
    token = _store(request, form)
    report = _run(request, token, dry_run=True)
    if report is None:  # swept between the two statements: only if the clock jumped by hours
        messages.error(request, _("Those files are no longer waiting: upload them again."))
        return redirect("web:school-upload")
    kept = request.session[SESSION_KEY]
    names, files = kept["names"], kept["files"]
    if report.ok and not any(c.created + c.updated + c.unchanged + c.erased for c in report.counts.values()):
        _forget(request)  # a header alone, or an empty workbook: "every row is good" would say nothing
        messages.error(request, _("These files have no rows under their header: there is nothing to import."))
        return _page(request, UploadForm())
    if not report.ok:
        _forget(request)  # nothing to import: the corrected files come as a new upload
    waiting = request.session.get(SESSION_KEY)  # gone when there is nothing to import
    return _page(request, UploadForm(), report=report, files=files, names=names, token=waiting)


@coordinator_only
@require_POST
def upload_import(request: HttpRequest) -> HttpResponse:
    """Import the files of the preview waiting in the session (all or nothing)."""
    kept = request.session.get(SESSION_KEY) or {}
    token = str(kept.get("token", ""))
    report = None
    if token and kept.get("school") == school_of(request).pk and request.POST.get("token") == token:
        try:
            report = _run(request, token, dry_run=False)
        finally:
            _forget(request)
    if report is None:
        messages.error(request, _("Those files are no longer waiting: upload them again."))
        return redirect("web:school-upload")
    names, files = kept.get("names", []), kept.get("files", {})
    if not report.ok:  # the data changed since the preview: say what is wrong now
        return _page(request, UploadForm(), report=report, files=files, names=names)
    return _page(request, UploadForm(), report=report, files=files, names=names, imported=True)


@coordinator_only
@require_GET
def template_download(request: HttpRequest, name: str, format: str) -> HttpResponse:
    """The header and one example row of ``students`` or ``class_requests``, as CSV (with a BOM) or XLSX."""
    if name not in TEMPLATES or format not in CONTENT_TYPES:
        raise Http404
    body = template_bytes(name, format="xlsx" if format == "xlsx" else "csv", school=school_of(request).external_id)
    return HttpResponse(
        body,
        content_type=CONTENT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )
