"""python manage.py import_case FILE: load a case file as a synthetic patient.

It goes through the same forms and services as the web pages; the patient is then evaluated
as of today, so its page shows the flags `evaluate_case` gives for the file on that day.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cadm.casefiles import CaseFileInvalid, case_read, case_validate
from cadm.models import Site, User
from cadm.permissions import Role
from cadm.selectors.rulesets import ruleset_active
from cadm.services.case_loader import CaseInvalid, case_load


class Command(BaseCommand):
    help = "Import a case file as a synthetic patient (exit 2 on an invalid file)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--site", default="north", help="site code (default: north)")
        parser.add_argument("--user", help="rheumatologist who records it (default: the "
                                           "first rheumatologist of the site)")
        parser.add_argument("--mrn", help="MRN (default: the case_id)")

    def handle(self, *args, file, site, user, mrn, **options):
        ruleset = ruleset_active()  # the version the loader's services will apply
        try:
            case = case_read(file)
            case_validate(case, rule_params=ruleset.params, rule_set=ruleset.number)
        except CaseFileInvalid as exc:
            self._invalid(file, str(exc))
        site_row = Site.objects.filter(code=site).first()
        if site_row is None:
            raise CommandError(f"--site: no site with code {site!r} (run load_demo, or create "
                               f"it in the admin).")
        actor = self._actor(site_row, user)
        try:
            patient = case_load(actor=actor, site=site_row, case=case,
                                mrn=mrn or case["case_id"][:40], family_name="Case",
                                given_name=case["case_id"][:100],
                                today=timezone.localdate())
        except CaseInvalid as exc:
            self._invalid(file, f"$.{exc.path}: {exc.message}")
        self.stdout.write(f"Imported {file} as patient {patient.mrn} at {site_row.name}: "
                          f"/patients/{patient.public_id}/")

    def _actor(self, site: Site, username: str | None) -> User:
        rheumatologists = User.objects.filter(groups__name=Role.RHEUMATOLOGIST, sites=site)
        if username:
            rheumatologists = rheumatologists.filter(username=username)
        actor = rheumatologists.order_by("pk").first()
        if actor is None:
            raise CommandError(f"No rheumatologist{' ' + username if username else ''} at "
                               f"{site.name} to record the case.")
        return actor

    def _invalid(self, file: str, message: str):
        self.stderr.write(f"{file}: invalid case file\n{message}")
        sys.exit(2)
