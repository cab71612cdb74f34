"""manage.py cds_account: the EHR's local account, a flag reviewer at its sites who cannot log
in; running it twice changes nothing."""

import pytest
from django.core.management import CommandError, call_command

from cadm.models import User
from cadm.permissions import Perm, has_perm

pytestmark = pytest.mark.django_db


def test_creates_a_reviewer_without_a_password(site, other_site):
    call_command("cds_account", "cds-ehr", "--site", "north", "--site", "south")
    user = User.objects.get(username="cds-ehr")
    assert has_perm(user, Perm.FLAG_REVIEW) and not has_perm(user, Perm.PATIENT_WRITE)
    assert not user.has_usable_password()
    assert {s.code for s in user.sites.all()} == {"north", "south"}
    call_command("cds_account", "cds-ehr", "--site", "north")
    assert User.objects.filter(username="cds-ehr").count() == 1
    assert {s.code for s in user.sites.all()} == {"north"}


def test_an_unknown_site_is_refused(site):
    with pytest.raises(CommandError, match="No site with code nowhere"):
        call_command("cds_account", "cds-ehr", "--site", "nowhere")
