"""``approve_companies EXTERNAL_ID … | --all``: an organiser's approval from the command line.

The CSV contract has no approval column on purpose: a company's file must not approve itself. Scripts
and benchmarks that import a province's files approve its companies with this command, as the
organiser does on the site.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from companies.models import Company
from companies.services import company_approve


class Command(BaseCommand):
    help = "Approve companies (publish their opportunities): by external id, or every one still waiting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("external_ids", nargs="*", help="companies to approve")
        parser.add_argument("--all", action="store_true", help="every company still waiting for approval")

    def handle(self, *args: Any, external_ids: list[str], all: bool, **options: Any) -> None:
        if bool(external_ids) == all:
            raise CommandError(_("name the companies to approve, or give --all"))
        waiting = Company.objects.filter(approved_at__isnull=True)
        if external_ids:
            found = dict(Company.objects.filter(external_id__in=external_ids).values_list("external_id", "pk"))
            unknown = sorted(set(external_ids) - set(found))
            if unknown:
                raise CommandError(
                    ngettext("unknown company id: %(ids)s", "unknown company ids: %(ids)s", len(unknown))
                    % {"ids": ", ".join(unknown)}
                )
            waiting = waiting.filter(pk__in=found.values())
        approved = 0
        for pk in waiting.order_by("pk").values_list("pk", flat=True):
            company_approve(company_id=pk)
            approved += 1
        self.stdout.write(
            ngettext("%(count)d company approved", "%(count)d companies approved", approved) % {"count": approved}
        )
