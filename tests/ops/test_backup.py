"""`make backup` and `make restore`: a database with rows, backed up, restored into a fresh one, is the
same, table for table; a restore over a database with tables is refused unless forced."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT, clean_env, once_per_run

pytestmark = once_per_run


PG = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}


def make(target: str, *, database_url: str, env: dict[str, str] | None = None,
         **variables: str) -> subprocess.CompletedProcess[str]:
    # PY is given so that make does not install anything first.
    args = ["make", "-s", target, f"PY={ROOT / '.venv' / 'bin' / 'python'}"]
    args += [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(args, cwd=ROOT, env=clean_env(DATABASE_URL=database_url, **(env or {})),
                          capture_output=True, text=True, timeout=300)


def sqlite_tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        names = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall() for name in names}


def test_a_sqlite_database_survives_backup_and_restore(sqlite_copy: Path, tmp_path: Path) -> None:
    with sqlite3.connect(sqlite_copy) as connection:
        connection.execute("CREATE TABLE ops_probe (id INTEGER PRIMARY KEY, name TEXT, amount REAL)")
        connection.executemany("INSERT INTO ops_probe (name, amount) VALUES (?, ?)",
                               [(f"Trường THPT số {i}", i / 7) for i in range(500)])
        connection.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('ops', 'probe', '2030-01-01')")
    before = sqlite_tables(sqlite_copy)
    assert len(before["ops_probe"]) == 500 and len(before) > 20

    archive = tmp_path / "backups" / "one.sqlite3"
    backed = make("backup", database_url=f"sqlite:///{sqlite_copy}", FILE=str(archive))
    assert backed.returncode == 0, backed.stderr
    assert archive.exists() and not archive.with_name("one.sqlite3.partial").exists()

    fresh = tmp_path / "fresh" / "restored.sqlite3"
    restored = make("restore", database_url=f"sqlite:///{fresh}", FILE=str(archive))
    assert restored.returncode == 0, restored.stderr
    assert sqlite_tables(fresh) == before

    # Restoring again over the tables now there is refused, and changes nothing; FORCE=1 allows it.
    again = make("restore", database_url=f"sqlite:///{fresh}", FILE=str(archive))
    assert again.returncode == 2
    assert "already has tables" in again.stderr and "FORCE=1" in again.stderr
    forced = make("restore", database_url=f"sqlite:///{fresh}", FILE=str(archive), FORCE="1")
    assert forced.returncode == 0, forced.stderr
    assert sqlite_tables(fresh) == before


def test_a_backup_without_file_goes_under_var_dir(sqlite_copy: Path, tmp_path: Path) -> None:
    # The default file is VAR_DIR/backups/…, like every other file of the service: not the checkout's var/.
    var_dir = tmp_path / "elsewhere"
    checkout_backups = ROOT / "var" / "backups"
    before = set(checkout_backups.iterdir()) if checkout_backups.exists() else set()
    backed = make("backup", database_url=f"sqlite:///{sqlite_copy}", env={"VAR_DIR": str(var_dir)})
    assert backed.returncode == 0, backed.stderr
    made = list((var_dir / "backups").glob("caunoi-*.sqlite3"))
    assert len(made) == 1, backed.stdout
    assert str(made[0]) in backed.stdout
    assert sqlite_tables(made[0]) == sqlite_tables(sqlite_copy)
    assert (set(checkout_backups.iterdir()) if checkout_backups.exists() else set()) == before


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    result = make("restore", database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", FILE=str(junk))
    assert result.returncode == 2
    assert "not a SQLite backup" in result.stderr
    missing = make("restore", database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert missing.returncode == 2 and "usage: make restore FILE=" in missing.stderr


def pg_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def psql(database: str, sql: str) -> str:
    result = subprocess.run(["psql", "-XAtqv", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
                            env={**os.environ, **PG}, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    if not pg_up():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    tag = uuid.uuid4().hex[:8]
    names = (f"wt_ops_backup_src_{tag}", f"wt_ops_backup_dst_{tag}")
    for name in names:
        psql("postgres", f'CREATE DATABASE "{name}"')
    try:
        yield names
    finally:
        for name in names:
            psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_database_survives_backup_and_restore(pg_databases: tuple[str, str], tmp_path: Path) -> None:
    source, fresh = pg_databases
    psql(source, """
        CREATE TABLE school (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, founded date);
        CREATE TABLE student (id bigserial PRIMARY KEY, school_id bigint REFERENCES school(id),
                              full_name text, score double precision, meta jsonb);
        INSERT INTO school (name, founded)
            SELECT 'Trường THPT số ' || i, date '1990-01-01' + i FROM generate_series(1, 40) i;
        INSERT INTO student (school_id, full_name, score, meta)
            SELECT 1 + i % 40, 'Nguyễn Văn ' || i, i / 7.0, jsonb_build_object('i', i)
            FROM generate_series(1, 2000) i;
    """)
    snapshot = (
        "SELECT (SELECT json_agg(s ORDER BY id) FROM school s)::text"
        " || (SELECT json_agg(t ORDER BY id) FROM student t)::text"
    )
    before = psql(source, snapshot)

    archive = tmp_path / "one.pgdump"
    backed = make("backup", database_url=f"postgres://postgres@127.0.0.1:5432/{source}", FILE=str(archive))
    assert backed.returncode == 0, backed.stderr
    assert archive.read_bytes().startswith(b"PGDMP")

    url = f"postgres://postgres@127.0.0.1:5432/{fresh}"
    restored = make("restore", database_url=url, FILE=str(archive))
    assert restored.returncode == 0, restored.stderr
    assert psql(fresh, snapshot) == before
    # The sequences came along: the next row gets the next id, not a duplicate.
    assert psql(fresh, "INSERT INTO student (full_name) VALUES ('x') RETURNING id").strip() == "2001"

    refused = make("restore", database_url=url, FILE=str(archive))
    assert refused.returncode == 2 and "already has tables" in refused.stderr
    forced = make("restore", database_url=url, FILE=str(archive), FORCE="1")
    assert forced.returncode == 0, forced.stderr
    assert psql(fresh, snapshot) == before
