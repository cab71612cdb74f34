"""Create or refresh the local account that an EHR's CDS Hooks feedback is attributed to.

    manage.py cds_account cds-ehr-north --site north

The account reviews flags (the dermatologist role: flag.review, no clinical writes) at the
EHR's sites, and has no usable password: nobody logs in as it; only a feedback request signed
by its EHR acts through it (name it as the issuer's "user" in CDS_ISSUERS). Running it again
changes nothing, or brings the sites back to those given.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from cadm.models import Site, User
from cadm.permissions import Role

ROLE = Role.DERMATOLOGIST  # the least role that may acknowledge and dismiss flags


class Command(BaseCommand):
    help = "Create or refresh the local account an EHR's CDS Hooks feedback is attributed to."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--site", action="append", required=True, dest="sites",
                            help="a site code the EHR serves (repeat for several)")

    def handle(self, *args, username: str, sites: list[str], **options):
        found = {s.code: s for s in Site.objects.filter(code__in=sites)}
        missing = sorted(set(sites) - set(found))
        if missing:
            raise CommandError(f"No site with code {', '.join(missing)}.")
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": "CDS Hooks", "last_name": username})
        if created or user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        user.groups.set([Group.objects.get_or_create(name=ROLE.value)[0]])
        user.sites.set(found.values())
        verb = "Created" if created else "Refreshed"
        self.stdout.write(f"{verb} {username}: {ROLE.value} at {', '.join(sorted(found))}; "
                          "no password (feedback only).")
