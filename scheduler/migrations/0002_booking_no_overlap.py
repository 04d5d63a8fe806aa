"""PostgreSQL only: one participant holds no two overlapping active (proposed/confirmed) bookings.

An exclusion constraint over tstzrange(starts_at, ends_at, '[)') — half-open, so back-to-back sessions
are fine — needs btree_gist for the equality on the participant column. SQLite has no exclusion
constraints; there the services check overlaps under the database's single write lock instead.
Creating the extension needs a role allowed to (a superuser or, since PostgreSQL 13, the database
owner: btree_gist is a trusted extension).
"""

from __future__ import annotations

from django.db import migrations

CONSTRAINTS = {
    "booking_student_no_overlap": "student_id",
    "booking_class_request_no_overlap": "class_request_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduler_booking ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (status IN ('proposed', 'confirmed') AND {column} IS NOT NULL)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduler_booking DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduler", "0001_booking_calendar_token")]

    operations = [migrations.RunPython(add_constraints, drop_constraints, elidable=False)]
