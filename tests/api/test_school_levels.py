"""A school's levels in the API: ``levels`` lists every level it teaches, its main ``level`` first; a
combined school (THCS và THPT) posts classes of both levels."""

from __future__ import annotations

from django.urls import reverse

from students.models import School


def test_a_school_payload_lists_its_levels_and_a_coordinator_makes_it_combined(api, as_role):
    coordinator = as_role("coordinator")
    url = reverse("api:school-detail", args=[api.w.school.pk])
    assert coordinator.get(url).data["levels"] == [api.w.school.level]  # one level, as before

    answer = coordinator.patch(url, {"levels": ["lower_secondary", "upper_secondary"]}, format="json")

    assert answer.status_code == 200, answer.data
    assert answer.data["level"] == "lower_secondary"
    assert answer.data["levels"] == ["lower_secondary", "upper_secondary"]
    school = School.objects.get(pk=api.w.school.pk)
    assert (school.level, school.other_levels) == ("lower_secondary", ["upper_secondary"])
    # A grade-9 class and a grade-10 class: the school teaches both levels.
    classes = reverse("api:class-request-list")
    for name, level in (("9C", "lower_secondary"), ("10C", "upper_secondary")):
        body = {"external_id": f"CR-{name}", "class_name": name, "level": level, "group_size": 30}
        assert coordinator.post(classes, body, format="json").status_code == 201
    body = {"external_id": "CR-K1", "class_name": "K1", "level": "vocational", "group_size": 30}
    refused = coordinator.post(classes, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "lower secondary and upper secondary" in refused.data["level"][0]


def test_writing_level_alone_changes_the_main_level_and_keeps_the_others(api, as_role):
    organiser = as_role("organiser")
    url = reverse("api:school-detail", args=[api.w.school.pk])
    organiser.patch(url, {"levels": ["lower_secondary", "upper_secondary", "vocational"]}, format="json")

    answer = organiser.patch(url, {"level": "upper_secondary"}, format="json")

    assert answer.status_code == 200 and answer.data["levels"] == ["upper_secondary", "vocational"]


def test_a_level_the_schools_classes_are_at_cannot_be_dropped(api, as_role):
    # As on the school's levels page: the school's THPT class would be refused at its next save.
    organiser = as_role("organiser")
    url = reverse("api:school-detail", args=[api.w.school.pk])
    assert api.w.school.level == "upper_secondary" and api.w.school.class_requests.exists()

    refused = organiser.patch(url, {"levels": ["lower_secondary"]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    also = organiser.patch(url, {"level": "lower_secondary"}, format="json")

    assert refused.status_code == 400 and "keep that level" in refused.data["levels"][0]
    assert also.status_code == 400 and list(also.data) == ["levels"]
    assert School.objects.get(pk=api.w.school.pk).levels == ["upper_secondary"]


def test_bad_levels_are_refused_by_name(api, as_role):
    organiser = as_role("organiser")
    url = reverse("api:school-detail", args=[api.w.school.pk])
    assert "levels" in organiser.patch(url, {"levels": []}, format="json").data
    assert "levels" in organiser.patch(url, {"levels": ["kindergarten"]}, format="json").data
    clash = organiser.patch(url, {"level": "vocational", "levels": ["lower_secondary"]}, format="json")
    assert clash.status_code == 400 and list(clash.data) == ["levels"]
    assert School.objects.get(pk=api.w.school.pk).levels == [api.w.school.level]


def test_a_school_is_created_with_its_levels_or_its_level(api, as_role):
    organiser = as_role("organiser")
    body = {"name": "THCS và THPT Lê Lợi", "province": "hue", "contact_email": "leloi@edu.example.vn"}
    made = organiser.post(
        reverse("api:school-list"), {**body, "external_id": "SCH-LL", "levels": ["THCS"]}, format="json"
    )
    assert made.status_code == 400 and "levels" in made.data
    made = organiser.post(
        reverse("api:school-list"),
        {**body, "external_id": "SCH-LL", "levels": ["lower_secondary", "upper_secondary"]},
        format="json",
    )
    assert made.status_code == 201 and made.data["level"] == "lower_secondary"
    old = organiser.post(reverse("api:school-list"), {**body, "external_id": "SCH-OLD", "level": "vocational"})
    assert old.status_code == 201 and old.data["levels"] == ["vocational"]
    neither = organiser.post(reverse("api:school-list"), {**body, "external_id": "SCH-NONE"}, format="json")
    assert neither.status_code == 400 and "level" in neither.data


def test_the_school_list_finds_a_combined_school_by_either_of_its_levels(api, as_role):
    organiser = as_role("organiser")
    url = reverse("api:school-detail", args=[api.w.school.pk])
    organiser.patch(url, {"levels": ["upper_secondary", "lower_secondary"]}, format="json")
    schools = reverse("api:school-list")

    def found(level: str) -> bool:
        answer = organiser.get(schools, {"level": level})
        assert answer.status_code == 200
        return api.w.school.pk in {s["id"] for s in answer.data["results"]}

    assert found("upper_secondary") and found("lower_secondary") and not found("vocational")
