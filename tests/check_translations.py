"""Fail when a word a person reads is not translated: every catalogue complete, every .mo up to date.

Run from anywhere: ``.venv/bin/python tests/check_translations.py`` (exit 0 when complete, 1 when not,
2 when the gettext tools are missing). It

1. runs ``manage.py makemessages -l vi --no-obsolete --no-location`` from the project root (no
   ``#: file:line`` comments: they change with every edit and make branches collide), so every
   catalogue holds exactly the strings the code and templates mark today (an app with a ``locale/`` dir gets its own,
   the rest goes to the project's ``locale/``, see ``LOCALE_PATHS``);
2. runs ``msgfmt --check --statistics`` on every catalogue and fails on a syntax error, a format string
   whose placeholders differ from the English, an untranslated or a fuzzy entry;
3. fails when a compiled ``.mo`` is missing or says something else than its ``.po`` (run
   ``manage.py compilemessages``).

A catalogue that makemessages changed only in its ``POT-Creation-Date`` is put back as it was, so a run
on a complete tree leaves no diff behind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("vi",)
IGNORE = (".venv", "var", "tests", "node_modules", "htmlcov")
STATISTICS = re.compile(r"(\d+) (translated messages?|fuzzy translations?|untranslated messages?)")
_CREATION_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def catalogues() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.po")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in IGNORE or any(p.startswith(".") for p in parts):
            continue
        if len(parts) >= 4 and parts[-2] == "LC_MESSAGES":
            found.append(path)
    return found


def makemessages() -> None:
    before = {path: path.read_text(encoding="utf-8") for path in catalogues()}
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    command += [f"--locale={language}" for language in LANGUAGES]
    command += [f"--ignore={pattern}" for pattern in IGNORE]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    for path, text in before.items():
        if path.exists() and _CREATION_DATE.sub("", path.read_text(encoding="utf-8")) == _CREATION_DATE.sub("", text):
            path.write_text(text, encoding="utf-8")


def statistics(po: Path) -> tuple[list[str], dict[str, int]]:
    """msgfmt's verdict on one catalogue: its errors, and the counts of its statistics line."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)], capture_output=True, text=True
    )
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, what in STATISTICS.findall(result.stderr):
        counts[what.split()[0]] = int(number)
    # Only a failing msgfmt is an error; its warnings (a header field left at its default) are not.
    if result.returncode == 0:
        return [], counts
    errors = [line for line in result.stderr.splitlines() if line and not STATISTICS.search(line)]
    return errors or [f"msgfmt exited with {result.returncode}"], counts


def messages(mo: Path) -> str:
    """A .mo's entries as text, without the header (which carries dates that change on every run)."""
    result = subprocess.run(["msgunfmt", "--no-wrap", "--sort-output", str(mo)], capture_output=True, text=True)
    if result.returncode != 0:
        return f"<cannot read: {result.stderr.strip()}>"
    entries = result.stdout.split("\n\n")
    return "\n\n".join(entry for entry in entries if not entry.startswith('msgid ""\nmsgstr'))


def stale_mo(po: Path, workdir: Path) -> str:
    """Why the compiled catalogue next to ``po`` does not match it, or ""."""
    mo = po.with_suffix(".mo")
    if not mo.exists():
        return "no compiled .mo"
    fresh = workdir / "fresh.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True, capture_output=True)
    return "" if messages(fresh) == messages(mo) else "the .mo is older than the .po"


def main() -> int:
    missing = [tool for tool in ("msgfmt", "msgunfmt", "xgettext", "msgmerge") if shutil.which(tool) is None]
    if missing:
        print(f"missing gettext tools ({', '.join(missing)}): apt-get install -y gettext", file=sys.stderr)
        return 2
    makemessages()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for po in catalogues():
            name = po.relative_to(ROOT)
            errors, counts = statistics(po)
            problems = list(errors)
            if counts["untranslated"]:
                problems.append(f"{counts['untranslated']} untranslated")
            if counts["fuzzy"]:
                problems.append(f"{counts['fuzzy']} fuzzy")
            if not problems:
                reason = stale_mo(po, Path(tmp))
                if reason:
                    problems.append(f"{reason}: run `python manage.py compilemessages`")
            verdict = "ok" if not problems else "FAIL: " + "; ".join(problems)
            print(f"{name}: {counts['translated']} translated — {verdict}")
            failures += bool(problems)
    if failures:
        print(f"{failures} catalogue(s) incomplete: translate the entries (msgattrib --untranslated --only-fuzzy)")
        return 1
    print("every catalogue is complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
