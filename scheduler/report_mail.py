"""The week's report by mail: the organiser sends the figures of ``reports.week_report`` to the ministry.

The report goes as a CSV attachment (UTF-8 with a BOM, so Excel opens it in Vietnamese) through the
outbox, like every other mail: the relay sends it, SendGrid's answers are recorded on its row. The
same figures for the same days never go twice to one address (the dedupe key holds a hash of the file);
figures that changed since (a late confirmation, a correction) are a new report and go again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from exchange.spreadsheet import csv_chunks
from notifications.models import OutboxMessage
from notifications.services import message_enqueue

from . import reports


@dataclass
class ReportSent:
    queued: list[str] = field(default_factory=list)  # addresses the report was queued for
    already: list[str] = field(default_factory=list)  # addresses that already had these very figures


def report_filename(first: dt.date, last: dt.date, ext: str) -> str:
    return f"caunoi-report-{first.isoformat()}-{last.isoformat()}.{ext}"


def week_report_csv(rows: list[dict[str, object]]) -> str:
    return "".join(csv_chunks(reports.WEEK_REPORT_HEADER, reports.week_report_cells(rows)))


def week_report_send(
    *, first: dt.date, last: dt.date, recipients: Sequence[str], language: str, sent_by: str
) -> ReportSent:
    """Queue the report of the local days ``first``..``last`` for each address in ``recipients``."""
    after, before = reports.window_of(first, last)
    rows = reports.week_report(starts_after=after, starts_before=before)
    content = week_report_csv(rows)
    fingerprint = hashlib.sha256(content.encode()).hexdigest()[:16]
    totals = reports.week_report_totals(rows)
    context = {
        "first_day": first.strftime("%d/%m/%Y"),
        "last_day": last.strftime("%d/%m/%Y"),
        "rows": len(rows),
        "sessions_held": totals["sessions_held"],
        "students": totals["students"],
        "class_students": totals["class_students"],
        "hosts": totals["companies"] + totals["experts"] + totals["entrepreneurs"] + totals["artisans"],
        "sent_by": sent_by,
    }
    attachment = {"filename": report_filename(first, last, "csv"), "content": content, "mimetype": "text/csv"}
    result = ReportSent()
    with transaction.atomic():
        for address in dict.fromkeys(a.strip().lower() for a in recipients if a.strip()):
            who = hashlib.sha256(address.encode()).hexdigest()[:16]
            queued = message_enqueue(
                key=f"week-report:{first.isoformat()}:{last.isoformat()}:{fingerprint}:{who}",
                category=OutboxMessage.Category.WEEK_REPORT,
                to=address,
                language=language,
                context=context,
                attachments=[attachment],
            )
            (result.queued if queued else result.already).append(address)
    return result
