"""students.services.class_request_save: a class request and its free times in one transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from students.models import AvailabilityInterval, ClassRequest
from students.services import class_request_save
from tests import factories as f

pytestmark = pytest.mark.django_db

START = f.OCT1
VALUES = {"class_name": "11A1", "level": "upper_secondary", "group_size": 38, "kinds": ["visit"]}


def test_it_creates_a_class_request_with_an_id_and_its_free_times() -> None:
    school = f.SchoolFactory(external_id="SCH-1")
    row = class_request_save(
        school=school,
        values=VALUES,
        intervals=[{"starts_at": START, "ends_at": START + dt.timedelta(hours=4)}],
    )
    assert row.school == school and row.external_id.startswith("SCH-1-")
    assert list(row.availability.values_list("starts_at", flat=True)) == [START]


def test_it_updates_and_replaces_the_free_times() -> None:
    school = f.SchoolFactory()
    row = class_request_save(
        school=school, values=VALUES, intervals=[{"starts_at": START, "ends_at": START + dt.timedelta(hours=1)}]
    )
    later = START + dt.timedelta(days=1)
    class_request_save(
        school=school,
        class_request=row,
        values={**VALUES, "group_size": 30},
        intervals=[{"starts_at": later, "ends_at": later + dt.timedelta(hours=1)}],
    )
    row.refresh_from_db()
    assert row.group_size == 30
    assert list(row.availability.values_list("starts_at", flat=True)) == [later]


def test_it_refuses_a_bad_value_and_writes_nothing() -> None:
    school = f.SchoolFactory()
    with pytest.raises(ValidationError) as caught:
        class_request_save(
            school=school,
            values={**VALUES, "level": "kindergarten"},
            intervals=[{"starts_at": START, "ends_at": START + dt.timedelta(hours=1)}],
        )
    assert "level" in caught.value.message_dict
    assert not ClassRequest.objects.exists() and not AvailabilityInterval.objects.exists()


def test_it_refuses_another_schools_class_request() -> None:
    row = f.ClassRequestFactory()
    with pytest.raises(ValueError, match="another school"):
        class_request_save(school=f.SchoolFactory(), class_request=row, values={"group_size": 3})
    row.refresh_from_db()
    assert row.group_size != 3


def test_a_class_is_at_its_schools_level() -> None:
    # An upper-secondary class was accepted in a THCS school, and matched to THPT opportunities.
    school = f.SchoolFactory(name="THCS Nguyễn Du", level="lower_secondary")
    with pytest.raises(ValidationError) as refused:
        class_request_save(school=school, values=VALUES)
    assert "level" in refused.value.message_dict
    assert not ClassRequest.objects.exists()
    assert class_request_save(school=school, values={**VALUES, "level": "lower_secondary"}).level == "lower_secondary"
