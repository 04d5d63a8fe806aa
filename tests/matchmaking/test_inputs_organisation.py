"""The engine learns who offers each opportunity (``Opportunity.organisation``), from the database and
from a folder of contract files alike, so that the name's words name no topic of the posting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from matchmaking.inputs import opportunities_from_db, world_from_csv
from tests import factories as f

DATA = Path(__file__).resolve().parents[1] / "data" / "bilingual_eval"


@pytest.mark.django_db
def test_an_opportunity_from_the_database_carries_its_companys_name() -> None:
    company = f.CompanyFactory(external_id="C-DDX", name="Công ty TNHH Đại Dương Xanh")
    f.OpportunityFactory(external_id="O-ACC", company=company, title="Thực tập kế toán")
    (opportunity,) = opportunities_from_db()
    assert opportunity.organisation == "Công ty TNHH Đại Dương Xanh"


def test_an_opportunity_from_contract_files_carries_its_companys_name() -> None:
    _, opportunities = world_from_csv(DATA, today=dt.date(2026, 9, 20))
    by_id = {o.id: o for o in opportunities}
    assert by_id["OP-SH-WEB-INTERN"].organisation == "Công ty Phần mềm Sông Hồng"
    assert all(o.organisation for o in opportunities)
