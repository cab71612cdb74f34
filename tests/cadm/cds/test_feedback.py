"""POST /cds-services/{id}/feedback with the specification's own examples: accepted ->
acknowledged, overridden with a reason -> dismissed with it, through the flag services as the
EHR's local account, the EHR's user on record; the same feedback twice changes nothing more."""

import copy

import pytest

from cadm.cds.reasons import HL7_SYSTEM
from cadm.models import AuditEvent, Flag, FlagAction, OverrideReason
from cadm.services.flags import flag_acknowledge
from tests.cadm.cds.conftest import FEEDBACK, post, spec_example, token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def accepted(card) -> dict:
    body = spec_example("feedback-accepted.json")
    body["feedback"][0]["card"] = str(card)
    return body


def overridden(card, *, code: str | None = None) -> dict:
    """The specification's example; with `code`, the reason is that HL7 code of ours."""
    body = spec_example("feedback-overridden-with-reason.json")
    body["feedback"][0]["card"] = str(card)
    if code:
        body["feedback"][0]["overrideReason"]["reason"] = {"system": HL7_SYSTEM, "code": code}
    return body


def send(client, key, body, **claims):
    return post(client, FEEDBACK, body, token(key, FEEDBACK, **claims))


def results(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [entry["result"] for entry in response.json()["feedback"]]


def test_accepted_acknowledges_as_the_ehrs_account(client, rsa_key, known, ehr_account):
    flag = known[1][0]
    assert results(send(client, rsa_key, accepted(flag.public_id))) == ["acknowledged"]
    flag.refresh_from_db()
    assert flag.state == Flag.State.ACKNOWLEDGED
    action = flag.actions.get(kind=FlagAction.Kind.ACKNOWLEDGED)
    assert action.actor == ehr_account
    assert "Practitioner/example" in action.comment and "2021-12-11T10:05:31Z" in action.comment
    assert AuditEvent.objects.filter(action="flag.acknowledge", actor=ehr_account).count() == 1
    receipt = AuditEvent.objects.get(action="cds.feedback")
    assert receipt.detail["ehr_user"] == "Practitioner/example"
    assert receipt.detail["result"] == "acknowledged"


def test_the_same_feedback_twice_changes_nothing_more(client, rsa_key, known, ehr_account):
    flag = known[1][0]
    body = overridden(flag.public_id, code="patient-refuses")
    assert results(send(client, rsa_key, body)) == ["dismissed"]
    count = FlagAction.objects.count(), AuditEvent.objects.count()
    assert results(send(client, rsa_key, copy.deepcopy(body))) == ["unchanged"]
    assert (FlagAction.objects.count(), AuditEvent.objects.count()) == count
    # Even after another action in between, a resent old feedback is not applied again.
    send(client, rsa_key, accepted(flag.public_id))
    assert results(send(client, rsa_key, body)) == ["unchanged"]
    flag.refresh_from_db()
    assert flag.state == Flag.State.ACKNOWLEDGED


def test_overridden_with_a_reason_of_ours_dismisses_with_it(client, rsa_key, known,
                                                            ehr_account):
    flag = known[1][0]
    assert results(send(client, rsa_key, overridden(flag.public_id, code="patient-refuses"))) \
        == ["dismissed"]
    flag.refresh_from_db()
    assert flag.state == Flag.State.DISMISSED
    action = flag.actions.get(kind=FlagAction.Kind.DISMISSED)
    assert action.reason == OverrideReason.PATIENT_REFUSED and action.actor == ehr_account
    assert action.comment.startswith("Patient refused: overridden in the EHR by "
                                     "Practitioner/example")
    assert "A comment entered by the clinician." in action.comment


def test_a_narrower_hl7_code_dismisses_with_its_broader_reason(client, rsa_key, known,
                                                               ehr_account):
    flag = known[1][0]
    send(client, rsa_key, overridden(flag.public_id, code="expert-contradicts"))
    assert flag.actions.get(kind=FlagAction.Kind.DISMISSED).reason == \
        OverrideReason.RECIPIENT_DISAGREES


def test_a_reason_we_do_not_record_is_kept_as_a_comment(client, rsa_key, known, ehr_account):
    """The specification's example reason (an EHR's own code): no coded dismissal possible,
    so the flag keeps its state and its history says what the EHR's clinician did."""
    flag = known[1][0]
    body = overridden(flag.public_id)
    assert results(send(client, rsa_key, body)) == ["commented"]
    flag.refresh_from_db()
    assert flag.state == Flag.State.OPEN
    comment = flag.actions.get(kind=FlagAction.Kind.COMMENTED).comment
    assert "https://example.com/cds-hooks/override-reason-system#d7ecf885" in comment
    assert results(send(client, rsa_key, body)) == ["unchanged"]
    assert flag.actions.filter(kind=FlagAction.Kind.COMMENTED).count() == 1
    without = overridden(flag.public_id)
    del without["feedback"][0]["overrideReason"]
    assert results(send(client, rsa_key, without)) == ["commented"]
    assert "without a reason" in flag.actions.filter(
        kind=FlagAction.Kind.COMMENTED).last().comment


def test_a_flag_already_in_that_state_is_fine(client, rsa_key, known, ehr_account,
                                              dermatologist):
    flag = known[1][0]
    flag_acknowledge(actor=dermatologist, flag=flag)
    assert results(send(client, rsa_key, accepted(flag.public_id))) == ["unchanged"]
    assert flag.actions.filter(kind=FlagAction.Kind.ACKNOWLEDGED).count() == 1


def test_a_resolved_flag_and_cards_we_do_not_hold_change_nothing(client, rsa_key, known,
                                                                 ehr_account):
    flag = known[1][0]
    Flag.objects.filter(pk=flag.pk).update(state=Flag.State.RESOLVED)
    body = accepted(flag.public_id)
    body["feedback"] += [dict(body["feedback"][0], card="not-a-uuid"),
                         dict(body["feedback"][0], card="4e0a3a1e-3283-4575-ab82-028d55fe2719")]
    assert results(send(client, rsa_key, body)) == ["unchanged", "unknown-card",
                                                    "unknown-card"]
    assert not flag.actions.exclude(kind=FlagAction.Kind.OPENED).exists()


def test_a_flag_outside_the_ehrs_sites_is_an_unknown_card(client, rsa_key, known, ehr_account,
                                                          settings):
    settings.CDS_ISSUERS["https://ehr.example.org"]["sites"] = ["south"]
    assert results(send(client, rsa_key, accepted(known[1][0].public_id))) == ["unknown-card"]


def test_the_fhir_user_claim_names_the_ehr_user(client, rsa_key, known, ehr_account):
    flag = known[1][0]
    send(client, rsa_key, accepted(flag.public_id), fhirUser="https://ehr.example.org/fhir/"
                                                            "Practitioner/77")
    assert "Practitioner/77" in flag.actions.get(kind=FlagAction.Kind.ACKNOWLEDGED).comment


def test_no_local_account_or_one_without_the_right_is_a_403(client, rsa_key, known, settings,
                                                            site):
    flag = known[1][0]
    response = send(client, rsa_key, accepted(flag.public_id))
    assert response.status_code == 403 and "no active local account" in response.content.decode()
    UserFactory(username="cds-ehr-north", role="rules_admin", sites=[site])
    response = send(client, rsa_key, accepted(flag.public_id))
    assert response.status_code == 403 and "may not review flags" in response.content.decode()
    assert not flag.actions.exclude(kind=FlagAction.Kind.OPENED).exists()


def test_an_account_without_the_site_applies_nothing(client, rsa_key, known, other_site):
    """All or nothing: the service's site check refuses, and no entry before it stays."""
    UserFactory(username="cds-ehr-north", role="dermatologist", sites=[other_site])
    first, second = known[1][:2]
    body = accepted(first.public_id)
    body["feedback"].append(dict(body["feedback"][0], card=str(second.public_id)))
    response = send(client, rsa_key, body)
    assert response.status_code == 403
    assert not FlagAction.objects.exclude(kind=FlagAction.Kind.OPENED).exists()


@pytest.mark.parametrize("body, where", [
    ({}, "feedback"),
    ({"feedback": []}, "feedback"),
    ({"feedback": {"card": "x"}}, "feedback"),
    ({"feedback": [5]}, "feedback[0]"),
    ({"feedback": [{"card": "c", "outcome": "accepted",
                    "outcomeTimestamp": "2021-12-11T10:05:31Z"}] * 101}, "feedback"),
    ({"feedback": [{"outcome": "accepted", "outcomeTimestamp": "2021-12-11T10:05:31Z"}]},
     "feedback[0].card"),
    ({"feedback": [{"card": "c", "outcome": "ignored",
                    "outcomeTimestamp": "2021-12-11T10:05:31Z"}]}, "feedback[0].outcome"),
    ({"feedback": [{"card": "c", "outcome": "accepted"}]}, "feedback[0].outcomeTimestamp"),
    ({"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "yesterday"}]},
     "feedback[0].outcomeTimestamp"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "overrideReason": "no",
                    "outcomeTimestamp": "2021-12-11T10:05:31Z"}]}, "feedback[0].overrideReason"),
    ({"feedback": [{"card": "c", "outcome": "overridden", "overrideReason": {"reason": "x"},
                    "outcomeTimestamp": "2021-12-11T10:05:31Z"}]},
     "feedback[0].overrideReason.reason"),
    ({"feedback": [{"card": "c", "outcome": "overridden",
                    "overrideReason": {"userComment": ["x"]},
                    "outcomeTimestamp": "2021-12-11T10:05:31Z"}]},
     "feedback[0].overrideReason.userComment"),
])
def test_malformed_feedback_is_a_400_naming_the_field(client, rsa_key, ehr_account, body,
                                                      where):
    response = send(client, rsa_key, body)
    assert response.status_code == 400, response.content
    assert response.json()["issue"][0]["expression"] == [where]


def test_a_hostile_user_comment_is_kept_as_plain_text(client, rsa_key, known, ehr_account):
    flag = known[1][0]
    body = overridden(flag.public_id, code="need-more-info")
    body["feedback"][0]["overrideReason"]["userComment"] = "a\x00b\nc" + "x" * 5000
    assert results(send(client, rsa_key, body)) == ["dismissed"]
    comment = flag.actions.get(kind=FlagAction.Kind.DISMISSED).comment
    assert "\x00" not in comment and "\n" not in comment and len(comment) <= 2000


def test_an_ehr_user_with_control_characters_is_recorded_as_one_line(client, rsa_key, known,
                                                                     ehr_account):
    flag = known[1][0]
    assert results(send(client, rsa_key, accepted(flag.public_id),
                        sub="Practitioner/1\n\x00forged line")) == ["acknowledged"]
    comment = flag.actions.get(kind=FlagAction.Kind.ACKNOWLEDGED).comment
    assert "Practitioner/1 forged line" in comment and "\x00" not in comment
