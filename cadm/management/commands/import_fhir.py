"""python manage.py import_fhir FILE --site SITE: import a FHIR R4 Bundle (transaction,
collection or searchset) through the same service as POST /fhir/r4/ (cadm.fhir.importer).

The report is text: the counts, the patient matched or registered, each refusal with its FHIR
path, value and accepted range, and the skip reasons counted (each one with -v 2). Exit 2
when anything is refused, as import_case; nothing is saved then unless --partial.
"""

import json
import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from cadm.fhir.import_report import ImportReport
from cadm.fhir.importer import fhir_import
from cadm.models import Site, User
from cadm.permissions import Perm, has_perm


class Command(BaseCommand):
    help = "Import a FHIR R4 Bundle for a site (exit 2 when anything is refused)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--site", required=True, help="site code")
        parser.add_argument("--partial", action="store_true",
                            help="keep what passes when some resources are refused")
        parser.add_argument("--user", help="who records it (default: the first "
                                           "rheumatologist of the site)")
        parser.add_argument("--skin-onset", dest="skin_onset_date",
                            help="a new patient's skin onset date (YYYY-MM-DD), when the "
                                 "bundle has no dermatomyositis Condition")
        parser.add_argument("--diagnosed", dest="diagnosis_date",
                            help="a new patient's diagnosis date (YYYY-MM-DD)")

    def handle(self, *args, file, site, partial, user, skin_onset_date, diagnosis_date,
               **options):
        bundle = self._read(file)
        site_row = Site.objects.filter(code=site).first()
        if site_row is None:
            raise CommandError(f"--site: no site with code {site!r}.")
        actor = self._actor(site_row, user)
        given = {"skin_onset_date": skin_onset_date, "diagnosis_date": diagnosis_date}
        for name, value in given.items():
            if value is not None and parse_date(value) is None:
                raise CommandError(f"{name}: {value!r} is not a date (YYYY-MM-DD).")
        report = fhir_import(actor=actor, site=site_row, bundle=bundle, partial=partial,
                             new_patient={k: v for k, v in given.items() if v})
        self._report(file, report, site_row, verbose=options["verbosity"] > 1)
        if report.refused:
            sys.exit(2)

    def _read(self, file: str):
        try:
            with open(file, encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as exc:
            raise CommandError(f"{file}: cannot be read ({exc.strerror}).") from None
        except (ValueError, UnicodeDecodeError) as exc:
            self.stderr.write(f"{file}: not JSON\n{exc}")
            sys.exit(2)

    def _actor(self, site: Site, username: str | None) -> User:
        people = User.objects.filter(sites=site, is_active=True).order_by("pk")
        if username:
            actor = people.filter(username=username).first()
            if actor is None or not has_perm(actor, Perm.RESULT_RECORD):
                raise CommandError(f"--user: {username} may not record results at {site.name}.")
            return actor
        actor = next((u for u in people.filter(groups__name="rheumatologist")
                      if has_perm(u, Perm.RESULT_RECORD)), None)
        if actor is None:
            raise CommandError(f"No rheumatologist at {site.name} to record the import.")
        return actor

    def _report(self, file: str, report: ImportReport, site: Site, *, verbose: bool) -> None:
        counts = report.counts()
        self.stdout.write(f"{file}: imported {counts['imported']}, marked entered in error "
                          f"{counts['marked_in_error']}, skipped {counts['skipped']}, "
                          f"refused {counts['refused']}")
        if report.patient is not None and report.saved:
            how = "registered" if report.patient_created else "matched"
            self.stdout.write(f"patient {report.patient.mrn} {how} at {site.name}: "
                              f"/patients/{report.patient.public_id}/")
        if verbose:
            for skipped in report.skipped:
                self.stdout.write(f"  skipped {skipped.path}: {skipped.reason}")
        else:
            for reason, n in Counter(s.reason for s in report.skipped).most_common():
                self.stdout.write(f"  skipped {n} × {reason}")
        if report.refused:
            lines = [f"{r.path}: {r.message}" + (f" (value {r.value}" if r.value else "")
                     + (f"; accepted {r.accepted})" if r.accepted else
                        (")" if r.value else "")) for r in report.refused]
            tail = ("kept what passes (--partial)" if report.partial else
                    "nothing was saved (all or nothing; --partial keeps what passes)")
            self.stderr.write(f"{file}: refused\n" + "\n".join(lines) + f"\n{tail}")

