"""POST /cds-services/{id} for a patient we hold: the live flags as cards, with their review
state, shaped as the specification's card example."""

import datetime as dt

import pytest
from django.utils import timezone

from cadm.cds.cards import SUMMARY_MAX
from cadm.cds.reasons import HL7_SYSTEM
from cadm.models import AuditEvent, Flag, OverrideReason
from cadm.services.flags import flag_acknowledge, flag_dismiss
from tests.cadm.cds.conftest import (
    BASE,
    SERVICE,
    ehr_patient,
    hook_request,
    post,
    spec_example,
    token,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# Every field the specification defines for a card (its Card attributes table).
CARD_FIELDS = {"uuid", "summary", "detail", "indicator", "source", "suggestions",
               "selectionBehavior", "overrideReasons", "links"}
HL7_CODES = {"action-completed", "patient-ineligible", "need-more-info",
             "recipient-disagrees-evidence", "patient-refuses", "prefers-alternative"}


def cards_for(client, key, resource, **extra):
    response = post(client, SERVICE, hook_request(resource, **extra), token(key, SERVICE))
    assert response.status_code == 200, response.content
    return response.json()["cards"]


def test_each_live_flag_is_a_card(client, rsa_key, known):
    patient, flags = known
    cards = cards_for(client, rsa_key, ehr_patient("MRN-4711"))
    assert [c["uuid"] for c in cards] == [str(f.public_id) for f in flags]
    example_card = spec_example("card-response-links-overrideReasons.json")["cards"][0]
    for card, flag in zip(cards, flags, strict=True):
        assert set(example_card) - {"detail"} <= set(card) <= CARD_FIELDS
        assert len(card["summary"]) <= SUMMARY_MAX and card["summary"]
        assert card["indicator"] == flag.severity
        assert card["source"]["label"].endswith(f"rule set v{flag.ruleset.number}")
        assert card["source"]["url"] == BASE + "/"
        assert card["source"]["topic"]["code"] == flag.code
        assert flag.citation.split()[0] in card["detail"]
        assert "Open: not yet reviewed" in card["detail"]
        assert {r["code"] for r in card["overrideReasons"]} == HL7_CODES
        assert all(r["system"] == HL7_SYSTEM and r["display"] for r in card["overrideReasons"])
        assert {link["type"] for link in card["links"]} == {"absolute"}
        assert f"{BASE}/patients/{patient.public_id}/" in [x["url"] for x in card["links"]]
        assert f"{BASE}/flags/{flag.public_id}/" in [x["url"] for x in card["links"]]


def test_the_detail_shows_the_values_and_dates_that_fired(client, rsa_key, known):
    patient, flags = known
    cards = {c["uuid"]: c for c in cards_for(client, rsa_key, ehr_patient("MRN-4711"))}
    for flag in flags:
        detail = cards[str(flag.public_id)]["detail"]
        assert "**Evidence**" in detail
        for item in flag.evidence:
            if item.get("date"):
                assert item["date"] in detail
        assert f"Rule `{flag.code}`" in detail


def test_review_state_shows_and_quiet_flags_stay_quiet(client, rsa_key, known, dermatologist):
    patient, flags = known
    acknowledged, *rest = flags
    flag_acknowledge(actor=dermatologist, flag=acknowledged)
    quiet = []
    if rest:
        flag_dismiss(actor=dermatologist, flag=rest[0],
                     data={"reason": OverrideReason.NEED_MORE_INFO, "comment": "CT booked"})
        quiet.append(rest[0])
    if len(rest) > 1:
        later = timezone.localdate() + dt.timedelta(days=5)
        Flag.objects.filter(pk=rest[1].pk).update(state=Flag.State.SNOOZED, snoozed_until=later)
        quiet.append(rest[1])
    cards = {c["uuid"]: c for c in cards_for(client, rsa_key, ehr_patient("MRN-4711"))}
    assert "Acknowledged in CADM" in cards[str(acknowledged.public_id)]["detail"]
    assert not {str(f.public_id) for f in quiet} & set(cards)


def test_matched_by_mrn_whatever_its_case_and_audited(client, rsa_key, known):
    patient, flags = known
    assert len(cards_for(client, rsa_key, ehr_patient("mrn-4711"))) == len(flags)
    event = AuditEvent.objects.filter(action="cds.cards", patient=patient).get()
    assert event.detail["issuer"] == "https://ehr.example.org"
    assert event.detail["ehr_user"] == "Practitioner/example"


def test_an_ehr_identifier_system_mapped_to_a_site(client, rsa_key, known, settings):
    settings.CDS_ISSUERS["https://ehr.example.org"]["mrn_systems"] = {
        "http://hospital.example/mrn": "north"}
    resource = ehr_patient("MRN-4711", system="http://hospital.example/mrn")
    assert len(cards_for(client, rsa_key, resource)) == len(known[1])


def test_no_match_outside_the_issuers_sites_or_by_other_identifiers(client, rsa_key, known,
                                                                     other_site, outsider):
    # The same MRN at another site is another patient: this EHR is not allowed there.
    PatientFactory(site=other_site, created_by=outsider, mrn="MRN-9999")
    assert cards_for(client, rsa_key, ehr_patient("MRN-9999",
                                                  system="urn:cadm:site:south:mrn")) == []
    assert cards_for(client, rsa_key, ehr_patient("MRN-4711",
                                                  system="http://unknown.example/id")) == []
    no_identifier = {"resourceType": "Patient", "id": "ehr-1"}
    assert cards_for(client, rsa_key, no_identifier) == []
    assert not AuditEvent.objects.filter(action="cds.cards").exists()


def test_a_summary_too_long_is_shortened(client, rsa_key, known):
    patient, flags = known
    Flag.objects.filter(pk=flags[0].pk).update(summary="Ferritin rising " * 12)
    card = cards_for(client, rsa_key, ehr_patient("MRN-4711"))[0]
    assert len(card["summary"]) == SUMMARY_MAX and card["summary"].endswith("…")


def test_markdown_in_our_text_is_shown_literally(client, rsa_key, known):
    patient, flags = known
    Flag.objects.filter(pk=flags[0].pk).update(detail="<script>x</script> *bold* [a](b)")
    detail = cards_for(client, rsa_key, ehr_patient("MRN-4711"))[0]["detail"]
    assert "\\<script\\>" in detail and "\\*bold\\*" in detail and "\\[a\\](b)" in detail


def test_queries_do_not_grow_with_the_flags(client, rsa_key, known,
                                            django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        cards_for(client, rsa_key, ehr_patient("MRN-4711"))
