"""What fuzzing found between the schema and the API, each answered as the other promises."""

from __future__ import annotations

import json

from django.urls import reverse


def test_options_on_my_free_times_is_answered_not_a_500(api, as_role):
    response = as_role("student").options(reverse("api:me-availability"))
    assert response.status_code == 200


def test_a_report_parameter_given_with_no_value_is_refused_naming_it(api, as_role):
    response = as_role("organiser").get(reverse("api:reports") + "?starts_before=")
    assert response.status_code == 400 and "starts_before" in response.data


def test_an_oversized_json_body_is_a_json_413(api, as_role, settings):
    body = json.dumps({"interests": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = as_role("student").generic("PATCH", reverse("api:me"), body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json") and "detail" in response.json()


def test_personal_data_is_never_kept_by_a_cache(api, client):
    client.force_login(api.users["student"])
    for url in (reverse("api:me"), reverse("api:me-data"), reverse("web:student-home")):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


def test_the_schema_says_what_the_filters_refuse(api, client):
    schema = client.get(reverse("api:schema") + "?format=json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/opportunities/"]["get"]["parameters"]}
    assert parameters["company"]["type"] == "integer" and parameters["company"]["minimum"] == 1
    assert parameters["topic"]["minLength"] == 1
