"""A combined school (trường liên cấp, "THCS và THPT") teaches several levels: School.teaches, its class
requests' level check, and students.services.school_levels_set."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from students.models import ClassRequest, School
from students.services import class_request_save, school_levels_set
from tests import factories as f

pytestmark = pytest.mark.django_db

CLASS = {"class_name": "10A1", "level": "upper_secondary", "group_size": 40, "grade": 10}


def test_a_combined_school_teaches_each_of_its_levels_and_no_other() -> None:
    school = f.SchoolFactory(level="lower_secondary", other_levels=["upper_secondary"])
    assert school.levels == ["lower_secondary", "upper_secondary"]
    assert school.teaches("lower_secondary") and school.teaches("upper_secondary")
    assert not school.teaches("vocational")
    # A school of one level is as before.
    single = f.SchoolFactory(level="lower_secondary")
    assert single.levels == ["lower_secondary"] and not single.teaches("upper_secondary")


def test_a_combined_school_keeps_a_grade_10_class_and_refuses_a_vocational_one_naming_its_levels() -> None:
    school = f.SchoolFactory(
        name="Trường THCS và THPT Lê Lợi", level="lower_secondary", other_levels=["upper_secondary"]
    )
    row = class_request_save(school=school, values=CLASS)
    assert row.level == "upper_secondary"
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        class_request_save(school=school, values={**CLASS, "class_name": "K1", "level": "vocational", "grade": None})
    message = caught.value.message_dict["level"][0]
    assert message.startswith("Trường THCS và THPT Lê Lợi dạy cấp trung học cơ sở và trung học phổ thông")
    assert "không phải giáo dục nghề nghiệp" in message


def test_a_school_of_one_level_says_it_teaches_that_level_only() -> None:
    school = f.SchoolFactory(name="Trường THCS Nguyễn Du", level="lower_secondary")
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        class_request_save(school=school, values=CLASS)
    assert caught.value.message_dict["level"][0].startswith("Trường THCS Nguyễn Du chỉ dạy cấp trung học cơ sở")


def test_other_levels_must_be_level_codes() -> None:
    school = f.SchoolFactory.build(level="lower_secondary", other_levels=["grade 10"])
    with pytest.raises(ValidationError) as caught:
        school.full_clean(validate_unique=False)
    assert "other_levels" in caught.value.message_dict


def test_setting_the_levels_keeps_the_main_first_and_the_others_once_in_order() -> None:
    school = f.SchoolFactory(level="upper_secondary")
    school_levels_set(school=school, levels=["lower_secondary", "university", "upper_secondary", "university"])
    school.refresh_from_db()
    assert school.level == "lower_secondary" and school.other_levels == ["upper_secondary", "university"]
    school_levels_set(school=school, levels=["lower_secondary"])
    school.refresh_from_db()
    assert school.levels == ["lower_secondary"]


def test_a_level_that_a_class_is_at_cannot_be_dropped() -> None:
    school = f.SchoolFactory(level="lower_secondary", other_levels=["upper_secondary"])
    class_request_save(school=school, values=CLASS)
    with pytest.raises(ValidationError) as caught:
        school_levels_set(school=school, levels=["lower_secondary"])
    assert "10A1" in caught.value.message_dict["levels"][0]
    assert School.objects.get(pk=school.pk).levels == ["lower_secondary", "upper_secondary"]
    assert ClassRequest.objects.filter(school=school).count() == 1
