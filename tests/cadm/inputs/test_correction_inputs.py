"""EnteredInErrorInput (cadm.inputs.corrections) at its edges, and record_mark_entered_in_error
taking it (`data=`) or the reason alone (`reason=`, as its callers wrote before)."""

import datetime as dt

import pytest

from cadm.exceptions import DomainError
from cadm.forms.corrections import ReasonForm
from cadm.inputs import EnteredInErrorInput, InputInvalid
from cadm.models import AuditEvent, LabResult
from cadm.sections import get_section
from cadm.services.corrections import record_mark_entered_in_error
from tests.factories import LabResultFactory

TEXT = "accepted: text of at most 300 characters, without NUL characters."
BLANK_RESULT = "Reason: say why the result is wrong (e.g. wrong patient, typo)."
BLANK_VISIT = "Reason: say why the visit is wrong (e.g. wrong patient, recorded twice)."


def refusal(raw, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        EnteredInErrorInput.parse(raw, **kwargs)
    return caught.value.message_dict


@pytest.mark.parametrize("blank", [{}, {"reason": None}, {"reason": ""}, {"reason": "  \n "}])
def test_a_reason_is_required_in_the_words_of_what_is_marked(blank):
    assert refusal(blank) == {"reason": [BLANK_RESULT]}
    assert refusal(blank, what="visit") == {"reason": [BLANK_VISIT]}


def test_the_reason_at_its_length_edges_is_kept_whole_or_refused():
    """The column holds 300 characters: a longer reason is refused, never cut."""
    assert EnteredInErrorInput.parse({"reason": " " + "x" * 300 + " "}).reason == "x" * 300
    assert refusal({"reason": "x" * 301}) == {"reason": [
        f"Reason: '{'x' * 39}…' is 301 characters long; {TEXT}"]}


def test_the_reason_is_one_text():
    assert refusal({"reason": ["typo"]}) == {"reason": [
        "Reason: a list or an object is not accepted; send one value."]}
    assert refusal({"reason": "ty\x00po"}) == {"reason": [
        f"Reason: 'ty\\x00po' contains a NUL character; {TEXT}"]}


def test_the_visit_page_form_gives_the_inputs_words():
    form = ReasonForm({"reason": "   "})
    assert not form.is_valid() and form.errors["reason"] == [BLANK_VISIT]
    form = ReasonForm({"reason": "x" * 301}, what="result")
    assert not form.is_valid()
    assert form.errors["reason"] == [f"Reason: '{'x' * 39}…' is 301 characters long; {TEXT}"]
    form = ReasonForm({"reason": " recorded twice "})
    assert form.is_valid() and form.input == EnteredInErrorInput("recorded twice")


# ------------------------------------------------------------------------ the service's door

@pytest.fixture
def lab(patient):
    return LabResultFactory(patient=patient, observed_on=dt.date(2025, 9, 1))


@pytest.mark.parametrize("data", [EnteredInErrorInput("typo: 45 U/L"),
                                  {"reason": " typo: 45 U/L "}])
def test_the_service_takes_the_input_or_its_values(patient, rheumatologist, lab, data):
    record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                 section=get_section("labs"), record=lab, data=data)
    lab.refresh_from_db()
    assert (lab.status, lab.status_reason) == ("entered_in_error", "typo: 45 U/L")
    assert AuditEvent.objects.filter(action="record.entered_in_error").count() == 1


def test_the_reason_keyword_still_works_and_is_parsed_the_same(patient, rheumatologist, lab):
    with pytest.raises(InputInvalid, match="say why the result is wrong"):
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("labs"), record=lab, reason="  ")
    with pytest.raises(InputInvalid, match="301 characters long"):
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("labs"), record=lab, reason="x" * 301)
    record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                 section=get_section("labs"), record=lab, reason="typo")
    assert LabResult.objects.get(pk=lab.pk).status_reason == "typo"


@pytest.mark.parametrize("junk", ["typo", ["typo"], 7])
def test_the_service_refuses_what_is_neither_the_input_nor_a_mapping(patient, rheumatologist,
                                                                     lab, junk):
    with pytest.raises(TypeError, match="EnteredInErrorInput"):
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("labs"), record=lab, data=junk)
    with pytest.raises(TypeError, match="not both"):
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("labs"), record=lab,
                                     data={"reason": "a"}, reason="b")
    assert LabResult.objects.get(pk=lab.pk).status == "final"


def test_the_rows_state_is_checked_before_its_reason(patient, rheumatologist, lab):
    record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                 section=get_section("labs"), record=lab, data={"reason": "a"})
    with pytest.raises(DomainError, match="already marked"):
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("labs"), record=lab, data={})
