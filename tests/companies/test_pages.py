from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from .. import factories as f


@pytest.mark.django_db
def test_the_opportunity_page_a_digest_links_to_shows_its_sessions(client: Client) -> None:
    # The page is web's now (web/views/public.py), which shows published opportunities only.
    session = f.SessionFactory(
        opportunity__title="Thực tập trí tuệ nhân tạo", opportunity__company__approved_at=timezone.now()
    )

    response = client.get(f"/opportunities/{session.opportunity.external_id}/")

    assert response.status_code == 200
    assert "Thực tập trí tuệ nhân tạo" in response.content.decode()
    assert "01/10/2030 08:00" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_opportunity_is_a_404(client: Client) -> None:
    assert client.get("/opportunities/NOPE/").status_code == 404
