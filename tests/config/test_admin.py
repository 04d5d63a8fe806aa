"""The admin covers every model, with search and filters, and its lists make no query per row."""
from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User

from .. import factories as f

OUR_APPS = {"accounts", "companies", "students", "matchmaking", "scheduler", "notifications"}


def populate(n: int) -> None:
    for _ in range(n):
        student = f.StudentFactory()
        f.ConsentFactory(student=student)
        f.AvailabilityFactory(student=student)
        f.SessionFactory()
        f.ClassRequestFactory(school=student.school)


def test_every_model_of_ours_is_in_the_admin() -> None:
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert not missing


@pytest.mark.django_db
def test_admin_lists_make_no_query_per_row(client: Client) -> None:
    superuser = User.objects.create_superuser("root", "root@example.vn", "pw")
    client.force_login(superuser)
    models = [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]

    def queries_per_list() -> dict[str, int]:
        counts = {}
        for model in models:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, {"q": "a"} if admin.site._registry[model].search_fields else {})
                response = client.get(url)
            assert response.status_code == 200, url
            counts[model.__name__] = len(ctx)
        return counts

    populate(2)
    few = queries_per_list()
    populate(10)
    many = queries_per_list()
    assert few == many
