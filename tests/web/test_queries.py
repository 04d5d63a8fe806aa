"""The list pages cost a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from matchmaking.models import Match

from .. import factories as f
from .conftest import Site


def _grow(site: Site, n: int) -> None:
    for i in range(n):
        opportunity = f.OpportunityFactory(company=site.world.company, topics=["artificial-intelligence"])
        f.SessionFactory(opportunity=opportunity)
        f.SessionFactory(opportunity=opportunity, starts_at=f.OCT1 + f.dt.timedelta(days=1))
        Match.objects.create(
            student=site.world.student, opportunity=opportunity, score=0.5, rank=2 + i, reasons=["x"], model_version="v"
        )


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _grown(site: Site, client: Client, path: str) -> int:
    _grow(site, 9)
    return _count(client, path)


def test_the_catalogue_costs_the_same_queries_for_2_or_11_opportunities(client: Client, site: Site) -> None:
    client.force_login(site.world.student_user)
    client.get("/")  # warm the session and the topic vocabulary
    _grow(site, 1)
    assert _count(client, "/?topic=artificial-intelligence") == _grown(site, client, "/?topic=artificial-intelligence")


def test_the_recommendations_cost_the_same_queries_for_2_or_11_matches(client: Client, site: Site) -> None:
    client.force_login(site.world.student_user)
    client.get("/student/")
    _grow(site, 1)
    assert _count(client, "/student/") == _grown(site, client, "/student/")
