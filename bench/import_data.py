"""Benchmark: importing N students (default 100,000) through `import_data`'s service.

    .venv/bin/python bench/import_data.py [--students 100000] [--baseline-rows 2000]

Generates the sample world as contract CSV files (exchange.sample.write_world), then into a fresh
database (a temporary SQLite file in WAL mode unless DATABASE_URL is set) measures:
- validation alone (one streaming pass), and the full import (validate + upsert in one transaction);
- a re-import of the same files (must create and update nothing);
- the baseline, in the same run: the naive way — per-row `update_or_create` — on the first
  --baseline-rows students, extrapolated linearly to N, and the ratio to our import;
- peak resident memory of the process (ru_maxrss), and the size of the files.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/email.py would shadow the standard library's email package: run from the project root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="caunoi-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from exchange.contract import SPEC_BY_NAME, iter_rows, validate
    from exchange.loader import data_import, stored_parents
    from exchange.sample import write_world
    from students.models import School, Student

    call_command("migrate", verbosity=0)
    data = work / "csv"
    data.mkdir()
    started = time.perf_counter()
    counts = write_world(data, students=args.students)
    generated = time.perf_counter() - started
    size_mb = sum(p.stat().st_size for p in data.iterdir()) / 1e6
    print(f"database: {connection.vendor}; files: {counts} ({size_mb:.1f} MB, generated in {generated:.1f} s)")
    rss_before = peak_rss_mb()

    started = time.perf_counter()
    validation = validate(data, stored_parents, today=timezone.localdate())
    validate_s = time.perf_counter() - started
    assert validation.ok, validation.problems[:5]

    started = time.perf_counter()
    report = data_import(directory=data)
    import_s = time.perf_counter() - started
    assert report.ok and Student.objects.count() == args.students
    rss_after = peak_rss_mb()

    started = time.perf_counter()
    again = data_import(directory=data)
    reimport_s = time.perf_counter() - started
    assert all(c.created == 0 and c.updated == 0 for c in again.counts.values())

    # Baseline: the naive per-row ORM upsert, on a sample, into a clean table.
    schools = dict(School.objects.values_list("external_id", "pk"))
    sample = []
    for row in iter_rows(data, SPEC_BY_NAME["students.csv"], today=timezone.localdate()):
        sample.append(row.values)
        if len(sample) >= args.baseline_rows:
            break
    with transaction.atomic():
        Student.objects.filter(external_id__in=[v["external_id"] for v in sample]).delete()
        started = time.perf_counter()
        for v in sample:
            Student.objects.update_or_create(
                external_id=v["external_id"],
                defaults={
                    "school_id": schools[v["school"]],
                    "full_name": v["full_name"],
                    "email": v["email"],
                    "birth_date": v["birth_date"],
                    "level": v["level"],
                    "interests": v.get("interests") or "",
                    "province": v.get("province") or "ha-noi",
                },
            )
        baseline_sample_s = time.perf_counter() - started
        transaction.set_rollback(True)
    baseline_s = baseline_sample_s * args.students / len(sample)

    n = args.students
    print(f"validate only          : {validate_s:7.1f} s  ({n / validate_s:,.0f} students/s)")
    print(f"import (validate+write): {import_s:7.1f} s  ({n / import_s:,.0f} students/s) — all six files")
    print(f"re-import, no changes  : {reimport_s:7.1f} s")
    print(
        f"baseline per-row update_or_create: {baseline_sample_s:.2f} s for {len(sample)} students "
        f"→ {baseline_s:.1f} s extrapolated to {n:,} (students only)"
    )
    print(f"ratio baseline / ours  : {baseline_s / import_s:.1f}x")
    print(f"peak RSS: {rss_after:.0f} MB (before the import: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
