"""The CI's audit verdict (.ci/audit.py): a vulnerability always fails; only an unreachable vulnerability
service is tolerated, and then the message says the audit was not performed."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from .conftest import ROOT


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = load()
SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"}
CLEAN = {"name": "celery", "version": "5.7.0", "vulns": []}
VULNERABLE = {
    "name": "django", "version": "3.2.0",
    "vulns": [{"id": "PYSEC-2021-98", "fix_versions": ["3.2.1"], "aliases": [], "description": "…"}],
}


def test_a_known_vulnerability_fails_whether_or_not_the_service_is_reachable() -> None:
    for reachable in (True, False):
        code, message = audit.verdict({"dependencies": [CLEAN, VULNERABLE]}, stderr="", returncode=1,
                                      reachable=reachable)
        assert code == 1
        assert "django 3.2.0: PYSEC-2021-98 (fixed in 3.2.1)" in message


def test_an_unreachable_service_is_tolerated_and_said_loudly() -> None:
    code, message = audit.verdict({"dependencies": [SKIPPED, SKIPPED]}, stderr="", returncode=0, reachable=False)
    assert code == 0 and "NOT PERFORMED" in message

    crashed = "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev'): Max retries exceeded"
    code, message = audit.verdict(None, stderr=crashed, returncode=1, reachable=False)
    assert code == 0 and "NOT PERFORMED" in message


def test_a_package_that_could_not_be_audited_fails_when_the_service_answers() -> None:
    assert audit.verdict({"dependencies": [SKIPPED]}, stderr="", returncode=0, reachable=True)[0] == 1
    # Some audited, some not: the service works, so the skipped ones are a real gap.
    assert audit.verdict({"dependencies": [CLEAN, SKIPPED]}, stderr="", returncode=0, reachable=False)[0] == 1


def test_any_other_failure_of_pip_audit_fails() -> None:
    assert audit.verdict(None, stderr="ResolutionImpossible", returncode=1, reachable=False)[0] == 1
    assert audit.verdict(None, stderr="ConnectionError", returncode=1, reachable=True)[0] == 1


def test_a_clean_report_passes() -> None:
    code, message = audit.verdict({"dependencies": [CLEAN]}, stderr="", returncode=0, reachable=True)
    assert code == 0 and "no known vulnerabilities" in message
