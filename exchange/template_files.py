"""Blank contract files to download: for each file its header and one realistic example row.

The example rows are Vietnamese and refer to each other (the student's school is the school's row), so a
folder of all six templates imports as it is: a school sees what a good file looks like, deletes the
example row and types its own. Dates are a few weeks after ``today``, so the example never lies in
the past. CSV templates are UTF-8 with a BOM (Excel opens them right); XLSX templates hold real numbers
and dates. Both go through ``spreadsheet``, the same writers as the exports.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Literal

from .contract import SPEC_BY_NAME, SPECS
from .fields import LOCAL_TZ
from .spreadsheet import write_csv, write_xlsx

Format = Literal["csv", "xlsx"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def examples(today: dt.date) -> dict[str, dict[str, Any]]:
    """One example row per contract file (``NAME.csv`` -> column -> value), every column filled."""
    first = today + dt.timedelta(days=42)
    week = f"{first.isoformat()}..{(first + dt.timedelta(days=6)).isoformat()}"

    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TZ)

    return {
        "companies.csv": {
            "external_id": "CTY-001",
            "name": "Công ty TNHH Phần mềm Sông Hồng",
            "province": "Hà Nội",
            "contact_email": "tuyendung@songhong.example.vn",
            "tax_code": "0101234567",
            "sector": "Phần mềm",
            "address": "Số 1 Đường Láng, Đống Đa",
            "website": "https://songhong.example.vn",
            "profile": "company",
        },
        "opportunities.csv": {
            "external_id": "CH-001",
            "company": "CTY-001",
            "kind": "visit",
            "title": "Tham quan xưởng phát triển phần mềm",
            "description": "Học sinh tham quan văn phòng, gặp các lập trình viên và cùng viết một chương trình nhỏ.",
            "topics": "lập trình;trí tuệ nhân tạo",
            "language": "vi",
            "province": "Hà Nội",
            "online": "không",
            "levels": "lower_secondary;upper_secondary",
            "min_age": 13,
            "capacity": 40,
            "group_min": 20,
            "group_max": 40,
            "apply_by": today + dt.timedelta(days=28),
        },
        "sessions.csv": {
            "external_id": "BUOI-001",
            "opportunity": "CH-001",
            "starts_at": at(first, 8),
            "ends_at": at(first, 11),
            "capacity": 40,
        },
        "schools.csv": {
            "external_id": "TR-001",
            "name": "Trường THPT Chu Văn An",
            "level": "upper_secondary",
            "province": "Hà Nội",
            "contact_email": "vanphong@chuvanan.edu.example.vn",
            "address": "10 Thụy Khuê, Tây Hồ",
        },
        "students.csv": {
            "external_id": "HS-0001",
            "school": "TR-001",
            "full_name": "Nguyễn Thị Lan",
            "email": "lan.nguyen@hocsinh.example.vn",
            "birth_date": dt.date(today.year - 16, 5, 14),
            "level": "upper_secondary",
            "grade": 11,
            "interests": "Lập trình game, robot và trí tuệ nhân tạo",
            "skills": "Python cơ bản; thiết kế đồ họa",
            "preferred_kinds": "visit;workshop",
            "province": "Hà Nội",
            "languages": "vi;en",
            "available": f"{week} t2-t6 07:30-11:30",
            "guardian_email": "phuhuynh.lan@example.vn",
            "guardian_consent": "có",
            "email_opt_in": "có",
        },
        "class_requests.csv": {
            "external_id": "YC-001",
            "school": "TR-001",
            "class_name": "11A1",
            "level": "upper_secondary",
            "group_size": 38,
            "grade": 11,
            "interests": "Tìm hiểu nghề kỹ sư phần mềm",
            "topics": "lập trình",
            "kinds": "visit;career_talk",
            "available": f"{week} t2-t6 07:30-11:30;"
            f"{at(first, 13, 30).isoformat(timespec='minutes')}/{at(first, 16, 30).isoformat(timespec='minutes')}",
            "max_bookings": 1,
        },
    }


def _table(name: str, today: dt.date) -> tuple[list[str], list[Any]]:
    header = list(SPEC_BY_NAME[name].column_names)
    example = examples(today)[name]
    return header, [example[column] for column in header]


def template_bytes(
    name: str, *, format: Format = "csv", today: dt.date | None = None, school: str | None = None
) -> bytes:
    """The template of one contract file (``students.csv`` or ``students``) as the bytes of a download.

    ``school``, a school's external id, fills the example row's ``school`` column: a coordinator who keeps
    that column while replacing the rest gets rows of their own school, not of the example's 'TR-001'."""
    name = name if name.endswith(".csv") else f"{name}.csv"
    header, row = _table(name, today or dt.datetime.now(tz=LOCAL_TZ).date())
    if school is not None and "school" in header:
        row[header.index("school")] = school
    if format == "xlsx":
        binary = io.BytesIO()
        write_xlsx(binary, header, [row], title=name.removesuffix(".csv"))
        return binary.getvalue()
    text = io.StringIO(newline="")
    write_csv(text, header, [row])
    return text.getvalue().encode("utf-8")


def templates_write(*, directory: Path, format: Format = "csv", today: dt.date | None = None) -> list[Path]:
    """Write the six templates into ``directory`` (``NAME.csv`` or ``NAME.xlsx``); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in SPECS:
        path = directory / f"{spec.stem}.{format}"
        path.write_bytes(template_bytes(spec.name, format=format, today=today))
        paths.append(path)
    return paths
