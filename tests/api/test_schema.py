"""The OpenAPI schema validates with no warning, and its documentation pages need no CDN."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from api.schema import SchemaView


def test_the_schema_validates_without_warnings(tmp_path: Path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/bookings/{id}/confirm/" in text and "ValidationErrors" in text


@pytest.mark.parametrize("page", ["api:docs", "api:redoc"])
def test_the_documentation_pages_load_their_assets_from_this_server(db, page):
    response = APIClient().get(reverse(page))
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


def test_the_sidecar_assets_are_installed():
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


def test_the_schema_is_made_once_per_language_then_served_from_memory(db, settings):
    SchemaView.made.clear()
    url = reverse("api:schema") + "?format=json"
    client = APIClient()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and set(SchemaView.made) == {("en", None)}
    made = SchemaView.made[("en", None)]
    english.data["info"]["title"] = "changed by a caller"  # the answer is a copy: the kept schema stays
    assert made["info"]["title"] == "Cầu Nối API"
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert SchemaView.made[("en", None)] is made and again.json()["info"]["title"] == "Cầu Nối API"
    assert again.json()["paths"] == english.json()["paths"]

    vietnamese = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")  # each language is made in its own words
    assert set(SchemaView.made) == {("en", None), ("vi", None)}
    assert vietnamese.json() != again.json()

    # A test that changes what the schema is made from gets it made afresh.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 7}
    assert SchemaView.made == {}
