"""The flag actions' inputs (cadm.inputs.flags), each rule at its edges, and the services that
take them refusing what no parser has checked."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from cadm.inputs import (
    AcknowledgeInput,
    CommentInput,
    Context,
    DismissInput,
    InputInvalid,
    SnoozeInput,
)
from cadm.models import Flag, FlagAction, OverrideReason
from cadm.rules.params import DEFAULTS
from cadm.services.classification import reclassification_reject
from cadm.services.evaluation import patient_reevaluate
from cadm.services.flags import flag_acknowledge, flag_comment, flag_dismiss, flag_snooze
from tests.factories import AntibodyFactory

TODAY = dt.date(2026, 6, 1)
RULES = Context(today=TODAY, rule_params=DEFAULTS, rule_set=1)
TEXT = "accepted: text of at most 2000 characters, without NUL characters."
REASONS = ("Action already completed, Patient ineligible, Need more information, Disagree with "
           "the evidence, Patient refused, Alternative treatment chosen")


def refusal(parser, raw, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        parser.parse(raw, **kwargs)
    return caught.value.message_dict


# ------------------------------------------------------------------------------ comments

@pytest.mark.parametrize("parser", [AcknowledgeInput, CommentInput])
def test_a_comment_at_its_length_edges(parser):
    assert parser.parse({"comment": "x" * 2000}).comment == "x" * 2000
    assert refusal(parser, {"comment": "x" * 2001}) == {"comment": [
        f"Comment: '{'x' * 39}…' is 2001 characters long; {TEXT}"]}


@pytest.mark.parametrize("parser", [AcknowledgeInput, CommentInput])
def test_a_comment_is_trimmed_and_refuses_a_list_or_a_nul(parser):
    assert parser.parse({"comment": "  seen  "}).comment == "seen"
    assert refusal(parser, {"comment": ["seen"]}) == {"comment": [
        "Comment: a list or an object is not accepted; send one value."]}
    assert refusal(parser, {"comment": "a\x00b"}) == {"comment": [
        f"Comment: 'a\\x00b' contains a NUL character; {TEXT}"]}


def test_acknowledging_needs_no_comment_but_a_comment_does():
    assert AcknowledgeInput.parse({}) == AcknowledgeInput(comment="")
    assert AcknowledgeInput.parse({"comment": "   "}).comment == ""
    for blank in ({}, {"comment": ""}, {"comment": "   "}, {"comment": None}):
        assert refusal(CommentInput, blank) == {"comment": [f"Comment: required; {TEXT}"]}


# ------------------------------------------------------------------------------- dismiss

@pytest.mark.parametrize("reason", OverrideReason.values)
def test_every_hl7_override_reason_is_accepted(reason):
    assert DismissInput.parse({"reason": reason, "comment": "why"}) == DismissInput(reason,
                                                                                    "why")


@pytest.mark.parametrize(("raw", "errors"), [
    ({}, {"reason": [f"Reason: required; choose one of: {REASONS}."],
          "comment": [f"Comment: required; {TEXT}"]}),
    ({"reason": "bored", "comment": "x"},
     {"reason": [f"Reason: 'bored' is not one of the choices; accepted: one of: {REASONS}."]}),
    ({"reason": "Patient-Ineligible", "comment": "x"},
     {"reason": ["Reason: 'Patient-Ineligible' is not one of the choices; accepted: one of: "
                 f"{REASONS}."]}),
    ({"reason": "patient-ineligible", "comment": " "}, {"comment": [f"Comment: required; {TEXT}"]}),
])
def test_dismiss_needs_a_code_of_the_vocabulary_and_a_comment(raw, errors):
    assert refusal(DismissInput, raw) == errors


# -------------------------------------------------------------------------------- snooze

@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_a_snooze_ends_from_tomorrow_up_to_the_rule_sets_longest(severity):
    longest = DEFAULTS[f"snooze.max_days.{severity}"]
    last = TODAY + dt.timedelta(days=longest)
    for ok in (TODAY + dt.timedelta(days=1), last):
        parsed = SnoozeInput.parse({"until": ok.isoformat(), "comment": "CT booked"},
                                   context=RULES, severity=severity)
        assert parsed == SnoozeInput(until=ok, comment="CT booked")
    for refused in (TODAY, last + dt.timedelta(days=1)):
        assert refusal(SnoozeInput, {"until": refused.isoformat(), "comment": "x"},
                       context=RULES, severity=severity) == {"until": [
            f"Snooze until: {refused.isoformat()} is outside the accepted range for a "
            f"{severity} flag: 2026-06-02 to {last.isoformat()} (at most {longest} days, "
            f"rule set v1)."]}


def test_without_the_rule_set_or_the_severity_the_range_is_the_services():
    far = {"until": "9999-12-31", "comment": "later"}
    assert SnoozeInput.parse(far, context=Context(today=TODAY), severity="critical").until == \
        dt.date(9999, 12, 31)
    assert SnoozeInput.parse(far, context=RULES).until == dt.date(9999, 12, 31)


@pytest.mark.parametrize(("until", "message"), [
    ("tomorrow", "Snooze until: 'tomorrow' is not a valid date; accepted: a date as YYYY-MM-DD."),
    (20260602, "Snooze until: '20260602' is not a valid date; accepted: a date as YYYY-MM-DD."),
    ("2026-02-30", "Snooze until: '2026-02-30' is not a valid date; accepted: a date as "
                   "YYYY-MM-DD."),
    (None, "Snooze until: required; enter a date as YYYY-MM-DD."),
])
def test_a_snooze_needs_a_date_and_a_reason(until, message):
    assert refusal(SnoozeInput, {"until": until, "comment": ""}, context=RULES,
                   severity="info") == {"until": [message],
                                        "comment": [f"Reason: required; {TEXT}"]}


# ---------------------------------------------------------------------- the services' door

@pytest.fixture
def flag(patient):
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 3, 1))
    patient_reevaluate(patient.pk)
    return Flag.objects.get(patient=patient, code="LUNG_BASELINE_MISSING")


@pytest.mark.parametrize("junk", ["dismiss it", ["patient-ineligible"], 42])
def test_a_service_refuses_what_is_neither_its_input_nor_a_mapping(flag, dermatologist, junk):
    with pytest.raises(TypeError, match="DismissInput"):
        flag_dismiss(actor=dermatologist, flag=flag, data=junk)
    with pytest.raises(TypeError, match="CommentInput"):
        flag_comment(actor=dermatologist, flag=flag, data=junk)
    assert Flag.objects.get(pk=flag.pk).state == "open"


def test_a_mapping_goes_through_the_same_parser(flag, dermatologist):
    with pytest.raises(InputInvalid) as caught:
        flag_dismiss(actor=dermatologist, flag=flag, data={"reason": "bored", "comment": ""})
    assert set(caught.value.errors) == {"reason", "comment"}
    with pytest.raises(InputInvalid, match="Comment: required"):
        flag_comment(actor=dermatologist, flag=flag, data={"comment": "   "})
    assert Flag.objects.get(pk=flag.pk).state == "open"
    assert not FlagAction.objects.filter(flag=flag).exclude(kind="opened").exists()


def test_a_typed_snooze_is_checked_again_against_the_active_rule_set(flag, dermatologist):
    """An input parsed without the rule set (or before an activation) cannot pass the
    active version's limit."""
    today = dt.date.today()
    far = SnoozeInput.parse({"until": "9999-12-31", "comment": "later"},
                            context=Context(today=today))
    with pytest.raises(InputInvalid) as caught:
        flag_snooze(actor=dermatologist, flag=flag, data=far, today=today)
    assert caught.value.first()[1].startswith("Snooze until: 9999-12-31 is outside the "
                                              "accepted range for a critical flag")
    assert Flag.objects.get(pk=flag.pk).state == "open"


def test_the_services_check_the_patients_site(flag, outsider):
    """Whatever the door: a reviewer of another site is refused, the input valid or not."""
    ack = AcknowledgeInput(comment="seen")
    calls = [lambda: flag_acknowledge(actor=outsider, flag=flag, data=ack),
             lambda: flag_comment(actor=outsider, flag=flag, data={"comment": "x"}),
             lambda: flag_dismiss(actor=outsider, flag=flag,
                                  data={"reason": "need-more-info", "comment": "x"}),
             lambda: flag_snooze(actor=outsider, flag=flag, today=dt.date.today(),
                                 data={"until": "9999-12-31", "comment": "x"})]
    for call in calls:
        with pytest.raises(PermissionDenied, match="not at one of your sites"):
            call()
    assert Flag.objects.get(pk=flag.pk).state == "open"


def test_rejecting_a_reclassification_takes_a_dismissals_input(flag, rheumatologist):
    with pytest.raises(InputInvalid, match="Reason: required"):
        reclassification_reject(actor=rheumatologist, flag=flag, data={"comment": "x"})
