"""CI: pip-audit on the lock files. A known vulnerability always fails. The one thing tolerated is the
vulnerability service being out of reach from the machine (no network, a mirror without PyPI's JSON API):
then the audit did not happen, and this says so loudly and exits 0. A dependency that could not be
audited while the service answers for others fails too.

Usage: python .ci/audit.py PIP_AUDIT LOCKFILE...
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

PROBE = "https://pypi.org/pypi/pip/24.0/json"  # the per-version API that pip-audit's default service reads
NOT_ON_PYPI = "Dependency not found on PyPI"
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "ConnectTimeout", "ReadTimeout")


def service_reachable(timeout: float = 15) -> bool:
    try:
        with urllib.request.urlopen(PROBE, timeout=timeout) as response:
            return bool(response.status == 200)
    except Exception:  # any failure means the same here: the service cannot be asked
        return False


def verdict(report: dict[str, Any] | None, *, stderr: str, returncode: int, reachable: bool) -> tuple[int, str]:
    """(exit code, message) for one pip-audit run."""
    if report is None:
        if not reachable and any(marker in stderr for marker in NETWORK_ERRORS):
            return 0, "audit: NOT PERFORMED: the vulnerability service is unreachable from here (network)"
        return 1, f"audit: pip-audit failed (exit {returncode}):\n{stderr[-2000:]}"
    found = [d for d in report.get("dependencies", []) if d.get("vulns")]
    if found:
        lines = [
            f"  {d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})"
            for d in found
            for v in d["vulns"]
        ]
        return 1, "audit: known vulnerabilities:\n" + "\n".join(lines)
    skipped = [d for d in report.get("dependencies", []) if d.get("skip_reason")]
    audited = [d for d in report.get("dependencies", []) if "skip_reason" not in d]
    if skipped:
        all_unreachable = all(NOT_ON_PYPI in d["skip_reason"] for d in skipped) and not audited
        if all_unreachable and not reachable:
            return 0, (
                f"audit: NOT PERFORMED: the vulnerability service ({PROBE}) is unreachable from here, so none of "
                f"the {len(skipped)} pinned packages could be checked; run `make audit` where it is reachable"
            )
        names = ", ".join(f"{d['name']} ({d['skip_reason']})" for d in skipped)
        return 1, f"audit: these could not be audited: {names}"
    if returncode != 0:
        return 1, f"audit: pip-audit exited {returncode}:\n{stderr[-2000:]}"
    return 0, f"audit: {len(audited)} pinned packages, no known vulnerabilities"


def main(argv: list[str]) -> int:
    pip_audit, *locks = argv
    command = [pip_audit, "--disable-pip", "--require-hashes", "--format", "json", "--progress-spinner", "off"]
    for lock in locks:
        command += ["-r", lock]
    run = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(run.stdout) if run.stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    code, message = verdict(report, stderr=run.stderr, returncode=run.returncode, reachable=service_reachable())
    print(message, file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
