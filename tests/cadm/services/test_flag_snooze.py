"""Item 9 of issue 9: a snooze cannot silence a flag indefinitely: its longest length per
severity is a rule-set parameter (snooze.max_days.<severity>)."""

import datetime as dt

import pytest
from django.urls import reverse

from cadm.inputs import InputInvalid
from cadm.models import Flag
from cadm.rules.params import DEFAULTS
from cadm.services.evaluation import patient_reevaluate
from cadm.services.flags import flag_snooze
from cadm.services.rulesets import ruleset_activate
from tests.cadm.rulesets.builders import approved
from tests.factories import AntibodyFactory, UserFactory

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def flag(patient):
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 3, 1))
    patient_reevaluate(patient.pk, as_of=TODAY)
    return Flag.objects.get(patient=patient, code="LUNG_BASELINE_MISSING")


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_the_longest_snooze_per_severity(flag, dermatologist, severity):
    Flag.objects.filter(pk=flag.pk).update(severity=severity)
    flag.refresh_from_db()
    days = DEFAULTS[f"snooze.max_days.{severity}"]
    for too_far in (TODAY + dt.timedelta(days=days + 1), dt.date(9999, 12, 31), TODAY):
        with pytest.raises(InputInvalid) as refused:
            flag_snooze(actor=dermatologist, flag=flag, today=TODAY,
                        data={"until": too_far, "comment": "x"})
        assert f"for a {severity} flag: 2026-06-02 to " \
               f"{(TODAY + dt.timedelta(days=days)).isoformat()}" in refused.value.first()[1]
    flag_snooze(actor=dermatologist, flag=flag, today=TODAY,
                data={"until": TODAY + dt.timedelta(days=days), "comment": "CT booked"})
    assert flag.state == "snoozed"


def test_the_maximum_follows_the_active_rule_set(flag, dermatologist, site,
                                                django_capture_on_commit_callbacks):
    author = UserFactory(username="ruleadmin", role="rules_admin", sites=[site])
    approver = UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])
    version = approved(author, approver, **{"snooze.max_days.critical": 3})
    with django_capture_on_commit_callbacks(execute=False):  # the cohort job is not needed
        ruleset_activate(actor=approver, version=version, data={"confirm": True})
    with pytest.raises(InputInvalid, match="at most 3 days"):
        flag_snooze(actor=dermatologist, flag=flag, today=TODAY,
                    data={"until": TODAY + dt.timedelta(days=4), "comment": "x"})


def test_the_page_refuses_a_snooze_to_9999(derm_client, flag):
    response = derm_client.post(reverse("flag-act", args=[flag.public_id, "snooze"]),
                                {"snooze-until": "9999-12-31", "snooze-comment": "later"})
    assert response.status_code == 400
    assert "Snooze until: 9999-12-31 is outside the accepted range for a critical flag" in \
        response.content.decode()
    flag.refresh_from_db()
    assert flag.state == "open"
