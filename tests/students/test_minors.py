"""Student.objects.minors(): the same boundary as Student.is_minor, in one query."""

from __future__ import annotations

import datetime as dt

import pytest

from students.models import Student
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "born"),
    [
        (dt.date(2030, 10, 1), dt.date(2012, 10, 1)),  # 18 today
        (dt.date(2030, 10, 1), dt.date(2012, 10, 2)),  # 18 tomorrow
        (dt.date(2028, 2, 29), dt.date(2010, 2, 28)),  # a leap day
        (dt.date(2028, 2, 29), dt.date(2010, 3, 1)),
    ],
)
def test_minors_agrees_with_is_minor(day: dt.date, born: dt.date) -> None:
    student = f.StudentFactory(birth_date=born)
    assert Student.objects.minors(day).filter(pk=student.pk).exists() is student.is_minor(day)
    assert Student.objects.minors(day, minor=False).filter(pk=student.pk).exists() is not student.is_minor(day)
