from __future__ import annotations

from django.test import Client

from companies.models import Company
from rounds.models import RoundJob

from ..conftest import World


def test_a_round_job_cannot_be_added_in_the_admin(client: Client, world: World) -> None:
    world.organiser.is_staff = world.organiser.is_superuser = True
    world.organiser.save()
    client.force_login(world.organiser)
    RoundJob.objects.create(kind="scheduling", mode="optimal", status=RoundJob.Status.DONE)

    assert client.get("/admin/rounds/roundjob/add/").status_code == 403
    listing = client.get("/admin/rounds/roundjob/").content.decode()
    assert "/admin/rounds/roundjob/add/" not in listing


def test_the_admins_approve_action_calls_the_service(client: Client, world: World) -> None:
    world.organiser.is_staff = world.organiser.is_superuser = True
    world.organiser.save()
    client.force_login(world.organiser)
    Company.objects.filter(pk=world.other_company.pk).update(
        rejected_at=world.company.approved_at, rejection_reason="x"
    )
    first_approval = world.company.approved_at

    client.post(
        "/admin/companies/company/",
        {"action": "approve_selected", "_selected_action": [world.company.pk, world.other_company.pk]},
    )

    world.company.refresh_from_db()
    world.other_company.refresh_from_db()
    assert world.company.approved_at == first_approval  # kept its first date
    assert world.other_company.approved_at is not None
    assert world.other_company.rejected_at is None and world.other_company.rejection_reason == ""  # the service's
