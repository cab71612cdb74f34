"""Create the demo sites, users and synthetic cohort. Safe to run again: it adds only what is
missing and resets the demo users' passwords, so the printed logins always work."""

from __future__ import annotations

from argparse import ArgumentTypeError
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cadm.demo import SITES, DemoPatient, demo_cohort
from cadm.models import Patient, Site, User
from cadm.services.case_loader import CaseInvalid, case_load

LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    sites: tuple[str, ...]


# Invented people. The first rheumatologist of a site loads that site's patients.
DEMO_USERS = (
    DemoUser("rheum", "Maren", "Okonkwo-Vale", "rheumatologist", ("north",)),
    DemoUser("derm", "Teodor", "Brightwater", "dermatologist", ("north",)),
    DemoUser("rheum_south", "Ilse", "Marchetti-Rowe", "rheumatologist", ("south",)),
    DemoUser("derm_south", "Casimir", "Lindqvale", "dermatologist", ("south",)),
    DemoUser("ruleadmin", "Ottilie", "Fernsby", "rules_admin", ("north", "south")),
    DemoUser("ruleadmin2", "Benedikt", "Harrowgate", "rules_admin", ("north", "south")),
    # No clinical data: the audit trail of both sites, and the accounts of North.
    DemoUser("privacy", "Rosalind", "Achterberg", "privacy_officer", ("north", "south")),
    DemoUser("siteadmin", "Florian", "Quenneville", "site_admin", ("north",)),
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Load the demo sites, users and synthetic patients (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_day, default=None,
                            help="Date the histories end on (YYYY-MM-DD); default: today.")

    def handle(self, *args, today=None, **options):
        if isinstance(today, str):  # call_command(today="...") skips the parser's type
            try:
                today = _day(today)
            except ArgumentTypeError as exc:
                raise CommandError(f"--today: {exc}") from None
        today = today or timezone.localdate()
        sites = self._sites()
        users_created = sum(self._user(spec, sites) for spec in DEMO_USERS)
        actors = {code: User.objects.get(username=self._loader_of(code)) for code in sites}
        created = present = 0
        for demo in demo_cohort(today=today):
            if Patient.objects.filter(site=sites[demo.site_code], mrn=demo.mrn).exists():
                present += 1
                continue
            self._load(demo, site=sites[demo.site_code], actor=actors[demo.site_code],
                       today=today)
            created += 1
        self._report(created=created, present=present, users_created=users_created)

    def _sites(self) -> dict[str, Site]:
        return {code: Site.objects.get_or_create(code=code, defaults={"name": name})[0]
                for code, name in SITES.items()}

    @staticmethod
    def _loader_of(site_code: str) -> str:
        return next(u.username for u in DEMO_USERS
                    if u.role == "rheumatologist" and u.sites == (site_code,))

    def _user(self, spec: DemoUser, sites: dict[str, Site]) -> bool:
        """Create or refresh one demo user; True when created. The password is reset only
        when it no longer matches, so a second run changes nothing."""
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={"first_name": spec.first_name, "last_name": spec.last_name},
        )
        if created or not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        # Exactly the printed role and sites; set() writes nothing when they already match.
        # Roles come from migration cadm/0002_roles; get_or_create survives a flushed DB.
        user.groups.set([Group.objects.get_or_create(name=spec.role)[0]])
        user.sites.set([sites[code] for code in spec.sites])
        self._unlock(spec.username)
        return created

    @staticmethod
    def _unlock(username: str) -> None:
        """A demo login locked by django-axes after failed attempts would not work."""
        from axes.utils import reset

        reset(username=username)

    def _load(self, demo: DemoPatient, *, site: Site, actor: User, today: date) -> None:
        try:
            case_load(actor=actor, site=site, case=demo.case, mrn=demo.mrn,
                      family_name=demo.family_name, given_name=demo.given_name, today=today)
        except CaseInvalid as exc:
            # A demo case the forms refuse is a bug in the generator or in a form.
            raise CommandError(f"Demo patient {demo.mrn} ({demo.phenotype}): {exc}") from exc

    def _report(self, *, created: int, present: int, users_created: int) -> None:
        out = self.stdout
        if created:
            out.write(self.style.SUCCESS(f"Demo patients created: {created}; "
                                         f"already present: {present}."))
        else:
            out.write(f"Nothing to create: all {present} demo patients already present.")
        out.write(f"Demo users created: {users_created}; already present: "
                  f"{len(DEMO_USERS) - users_created}.")
        rows = [("Username", "Role", "Sites", "Password")] + [
            (u.username, u.role, ", ".join(SITES[c] for c in u.sites), settings.DEMO_PASSWORD)
            for u in DEMO_USERS
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        out.write("")
        for index, row in enumerate(rows):
            out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                          strict=True)).rstrip())
            if index == 0:
                out.write("  ".join("-" * width for width in widths))
        out.write(f"\nLog in at {LOGIN_URL}")
