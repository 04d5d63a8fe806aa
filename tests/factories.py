"""factory_boy factories for bulk test data. Times are aware, in October of a fixed year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from accounts.models import User
from companies.models import Company, Kind, Level, Opportunity, Session
from students.models import AvailabilityInterval, ClassRequest, GuardianConsent, School, Student

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCT1 = dt.datetime(2030, 10, 1, 8, 0, tzinfo=TZ)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    external_id = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"Công ty {n}")
    province = "ha-noi"
    contact_email = factory.Sequence(lambda n: f"hr{n}@company.example.vn")
    # Approved, as nearly every company in a test must be to reach anyone; tests of the rule unset it.
    approved_at = OCT1 - dt.timedelta(days=60)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    external_id = factory.Sequence(lambda n: f"O{n:04d}")
    company = factory.SubFactory(CompanyFactory)
    kind = Kind.INTERNSHIP
    title = factory.Sequence(lambda n: f"Thực tập lập trình {n}")
    description = "Thực tập phát triển phần mềm và trí tuệ nhân tạo."
    province = "ha-noi"
    capacity = 10


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    external_id = factory.Sequence(lambda n: f"X{n:05d}")
    opportunity = factory.SubFactory(OpportunityFactory)
    starts_at = OCT1
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=3))
    capacity = 10


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    external_id = factory.Sequence(lambda n: f"SCH{n:04d}")
    name = factory.Sequence(lambda n: f"Trường THPT số {n}")
    level = Level.UPPER_SECONDARY
    province = "ha-noi"
    contact_email = factory.Sequence(lambda n: f"school{n}@edu.example.vn")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    external_id = factory.Sequence(lambda n: f"ST{n:06d}")
    school = factory.SubFactory(SchoolFactory)
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.Sequence(lambda n: f"student{n}@mail.example.vn")
    birth_date = dt.date(2013, 5, 1)
    level = Level.UPPER_SECONDARY
    province = "ha-noi"
    interests = "lập trình game, trí tuệ nhân tạo"
    languages = factory.LazyFunction(lambda: ["vi"])
    email_opt_in = True


class ClassRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassRequest

    external_id = factory.Sequence(lambda n: f"CR{n:04d}")
    school = factory.SubFactory(SchoolFactory)
    class_name = "11A"
    level = Level.UPPER_SECONDARY
    group_size = 38
    kinds = factory.LazyFunction(lambda: ["visit"])


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityInterval

    starts_at = OCT1 - dt.timedelta(hours=1)
    ends_at = OCT1 + dt.timedelta(days=7)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuardianConsent

    guardian_email = "parent@mail.example.vn"
    method = GuardianConsent.Method.EMAIL_LINK
    evidence = "signed link"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")
    role = User.Role.ORGANISER
