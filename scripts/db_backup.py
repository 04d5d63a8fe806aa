"""`make backup` / `make restore FILE=…`: a consistent copy of the configured database, and back.

The database is the one DATABASE_URL names (the embedded SQLite file without it), so the same command
works on a laptop and in production:
- SQLite: SQLite's online backup API (what `sqlite3 .backup` uses): a consistent copy while the
  service runs, WAL included. Restoring copies the pages back the same way.
- PostgreSQL: `pg_dump -Fc` (compressed, any table restorable alone) and `pg_restore`, in one
  transaction that stops at the first error.

A restore refuses a database that already has tables unless given --force (FORCE=1), so a slip of the
finger cannot overwrite production. Exit codes: 0 done, 1 the tool failed, 2 refused (bad input).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"


class Refused(Exception):
    """The request is wrong or unsafe; nothing was changed."""


def _settings() -> Any:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    return settings


def database() -> dict[str, Any]:
    return dict(_settings().DATABASES["default"])


def default_file(db: dict[str, Any]) -> Path:
    """VAR_DIR/backups/caunoi-<UTC time>.*: under the same VAR_DIR as the rest of the service's files
    (var/ unless VAR_DIR says otherwise), never the checkout's var/ when another one is configured."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if is_sqlite(db) else "pgdump"
    return Path(_settings().VAR_DIR) / "backups" / f"caunoi-{stamp}.{suffix}"


def is_sqlite(db: dict[str, Any]) -> bool:
    return str(db["ENGINE"]).endswith("sqlite3")


def pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def pg_has_tables(db: dict[str, Any]) -> bool:
    query = (
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    result = subprocess.run(["psql", "-XAtc", query], env=pg_env(db), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"psql could not reach {db['NAME']}: {result.stderr.strip()}")
    return int(result.stdout.strip() or 0) > 0


def sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with sqlite3.connect(path) as connection:
        return bool(connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def backup(db: dict[str, Any], target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")  # never leave half a backup under the real name
    partial.unlink(missing_ok=True)
    if is_sqlite(db):
        source_path = Path(db["NAME"])
        if not source_path.exists():
            raise Refused(f"no database at {source_path}")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(partial)], env=pg_env(db), check=True)
    partial.replace(target)
    return target


def restore(db: dict[str, Any], source: Path, *, force: bool) -> None:
    if not source.is_file():
        raise Refused(f"FILE={source}: no such file")
    with source.open("rb") as file:
        header = file.read(16)
    if is_sqlite(db):
        if not header.startswith(SQLITE_HEADER):
            raise Refused(f"FILE={source}: not a SQLite backup (the database is SQLite: {db['NAME']})")
        target = Path(db["NAME"])
        if sqlite_has_tables(target) and not force:
            raise Refused(f"{target} already has tables: restore into an empty database, or add FORCE=1")
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise Refused(f"FILE={source}: the backup is damaged ({verdict})")
        target.parent.mkdir(parents=True, exist_ok=True)
        backup_source = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        destination = sqlite3.connect(target)
        try:
            backup_source.backup(destination)
        finally:
            destination.close()
            backup_source.close()
    else:
        if not header.startswith(PGDUMP_HEADER):
            raise Refused(f"FILE={source}: not a pg_dump -Fc archive (the database is PostgreSQL: {db['NAME']})")
        has_tables = pg_has_tables(db)
        if has_tables and not force:
            raise Refused(f"database {db['NAME']} already has tables: restore into an empty one, or add FORCE=1")
        command = ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                   "-d", str(db["NAME"])]
        if has_tables:
            command += ["--clean", "--if-exists"]
        subprocess.run([*command, str(source)], env=pg_env(db), check=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    back = commands.add_parser("backup", help="copy the database to FILE (default VAR_DIR/backups/caunoi-<time>.*)")
    back.add_argument("file", nargs="?", default="")
    back_in = commands.add_parser("restore", help="load FILE into the (empty) database")
    back_in.add_argument("file")
    back_in.add_argument("--force", action="store_true", help="replace the tables of a database that has some")
    args = parser.parse_args(argv)
    db = database()
    try:
        if args.command == "backup":
            target = backup(db, Path(args.file) if args.file else default_file(db))
            print(f"backup: {target} ({target.stat().st_size:,} bytes)")
        else:
            restore(db, Path(args.file), force=args.force)
            print(f"restore: {args.file} loaded into {db['NAME']}")
    except Refused as refusal:
        print(f"{args.command}: refused: {refusal}", file=sys.stderr)
        return 2
    except (subprocess.CalledProcessError, sqlite3.Error, RuntimeError, OSError) as error:
        print(f"{args.command}: failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
