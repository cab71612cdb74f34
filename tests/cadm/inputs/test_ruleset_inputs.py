"""The rule-set lifecycle's inputs (cadm.inputs.rulesets) at their edges, and the services
refusing what no parser has checked."""

import pytest

from cadm.inputs import (
    ActivationInput,
    ApprovalInput,
    CloneInput,
    DraftInput,
    InputInvalid,
    RejectionInput,
)
from cadm.inputs.rulesets import CONFIRM_LABEL, CONFIRM_REQUIRED, param_label
from cadm.models import RuleSetVersion
from cadm.rules.params import DEFAULTS
from cadm.services import rulesets
from tests.cadm.rulesets.builders import FERRITIN_KEY, approved, draft_with

NOTE = "accepted: text of at most 4000 characters, without NUL characters."
PARAMS = "accepted: every parameter of the schema, by key, as a version's detail lists them."


def refusal(parser, raw) -> dict[str, list[str]]:
    with pytest.raises(InputInvalid) as caught:
        parser.parse(raw)
    return caught.value.message_dict


def params(**changes) -> dict:
    return {"params": {**DEFAULTS, **changes}, "change_note": "x"}


# ------------------------------------------------------------------------ notes, comments

@pytest.mark.parametrize(("parser", "name", "label"), [
    (CloneInput, "change_note", "Change note"), (ApprovalInput, "comment", "Comment"),
    (RejectionInput, "comment", "Comment")])
def test_a_note_at_its_length_edges(parser, name, label):
    assert getattr(parser.parse({name: " " + "x" * 4000 + " "}), name) == "x" * 4000
    assert refusal(parser, {name: "x" * 4001}) == {name: [
        f"{label}: '{'x' * 39}…' is 4001 characters long; {NOTE}"]}


def test_a_clone_or_an_approval_needs_no_words_a_rejection_does():
    assert CloneInput.parse({}) == CloneInput("")
    assert ApprovalInput.parse({"comment": "  "}) == ApprovalInput("")
    for blank in ({}, {"comment": ""}, {"comment": " \n "}, {"comment": None}):
        assert refusal(RejectionInput, blank) == {"comment": ["Say why the version is rejected."]}
    assert RejectionInput.parse({"comment": " No source. "}) == RejectionInput("No source.")


# ----------------------------------------------------------------------------- parameters

def test_the_defaults_are_a_valid_draft_with_whole_numbers_as_ints():
    draft = DraftInput.parse({"params": {**DEFAULTS, "lung.pft_interval_days": 90.0},
                              "change_note": " Lower. "})
    assert draft.change_note == "Lower."
    assert draft.params["lung.pft_interval_days"] == 90
    assert isinstance(draft.params["lung.pft_interval_days"], int)


@pytest.mark.parametrize(("value", "problem"), [
    (100, None), (20000, None), (99.99, "99.99 ng/mL is outside the accepted range "
                                        "100–20000 ng/mL"),
    (20000.01, "20000.01 ng/mL is outside the accepted range 100–20000 ng/mL"),
    ("1500", "'1500' is not a number"), (True, "True is not a number"),
    ([1500], "[1500] is not a number"),
])
def test_a_number_at_its_range_edges(value, problem):
    raw = params(**{FERRITIN_KEY: value})
    if problem is None:
        assert DraftInput.parse(raw).params[FERRITIN_KEY] == value
    else:
        assert refusal(DraftInput, raw) == {
            f"params.{FERRITIN_KEY}": [f"{param_label(FERRITIN_KEY)}: {problem}."]}


@pytest.mark.parametrize(("value", "problem"), [
    (30, None), (730, None), (29, "29 days is outside the accepted range 30–730 days"),
    (731, "731 days is outside the accepted range 30–730 days"),
    (90.5, "90.5 is not a whole number of days"),
])
def test_a_whole_number_at_its_edges(value, problem):
    raw = params(**{"lung.pft_interval_days": value})
    if problem is None:
        assert DraftInput.parse(raw).params["lung.pft_interval_days"] == value
    else:
        assert refusal(DraftInput, raw) == {"params.lung.pft_interval_days": [
            f"{param_label('lung.pft_interval_days')}: {problem}."]}


def test_a_severity_from_its_list():
    assert DraftInput.parse(params(**{"severity.MCK_COUNT": "critical"})).params[
        "severity.MCK_COUNT"] == "critical"
    assert refusal(DraftInput, params(**{"severity.MCK_COUNT": "Critical"})) == {
        "params.severity.MCK_COUNT": [f"{param_label('severity.MCK_COUNT')}: 'Critical' is "
                                      f"not a severity; accepted: info, warning, critical."]}


def test_cut_offs_in_order_at_the_edge():
    equal = {"eular.possible_no_biopsy": 5.5, "eular.probable_no_biopsy": 5.5,
             "eular.definite_no_biopsy": 5.5}
    assert DraftInput.parse(params(**equal)).params["eular.probable_no_biopsy"] == 5.5
    assert refusal(DraftInput, params(**{**equal, "eular.probable_no_biopsy": 5.6})) == {
        "params.eular.probable_no_biopsy": [f"{param_label('eular.probable_no_biopsy')}: "
                                            f"possible ≤ probable ≤ definite is required."]}


def test_every_key_known_and_present():
    values = dict(DEFAULTS)
    del values["uln.ck_male"]
    assert refusal(DraftInput, {"params": {**values, "nonsense": 1}}) == {
        "params.nonsense": ["nonsense: unknown parameter."],
        "params.uln.ck_male": [f"{param_label('uln.ck_male')}: missing."]}


@pytest.mark.parametrize(("value", "message"), [
    (None, f"Parameters: required; {PARAMS}"),
    ([1500], f"Parameters: ['1500'] is not an object of values by parameter key; {PARAMS}"),
    ("all", f"Parameters: 'all' is not an object of values by parameter key; {PARAMS}"),
])
def test_the_parameters_are_one_object(value, message):
    assert refusal(DraftInput, {"params": value}) == {"params": [message]}


# ----------------------------------------------------------------------------- activation

def test_only_true_confirms_an_activation():
    assert ActivationInput.parse({"confirm": True}) == ActivationInput()
    for unticked in ({}, {"confirm": None}, {"confirm": False}, {"confirm": ""}):
        assert refusal(ActivationInput, unticked) == {"confirm": [CONFIRM_REQUIRED]}
    for lookalike, shown in (("yes", "'yes'"), ("true", "'true'"), (1, "'1'"),
                             ([True], "['True']")):
        assert refusal(ActivationInput, {"confirm": lookalike}) == {"confirm": [
            f"{CONFIRM_LABEL}: {shown} is not a confirmation; accepted: ticked (true in the "
            f"API), to confirm the activation; activating re-evaluates every patient's "
            f"flags."]}


# ---------------------------------------------------------------------- the services' door

@pytest.fixture
def second_admin(site):
    """Another rules admin: the second pair of eyes."""
    from tests.factories import UserFactory

    return UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])



@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["no", ["comment"], 3])
def test_the_services_refuse_what_is_neither_their_input_nor_a_mapping(
        junk, rules_admin, second_admin):
    version = draft_with(rules_admin)
    with pytest.raises(TypeError, match="DraftInput"):
        rulesets.ruleset_draft_update(actor=rules_admin, version=version, data=junk)
    rulesets.ruleset_submit(actor=rules_admin, version=version)
    with pytest.raises(TypeError, match="RejectionInput"):
        rulesets.ruleset_reject(actor=second_admin, version=version, data=junk)
    assert RuleSetVersion.objects.get(pk=version.pk).state == "awaiting_approval"


@pytest.mark.django_db
def test_a_mapping_goes_through_the_same_parser(rules_admin, second_admin):
    version = draft_with(rules_admin)
    with pytest.raises(InputInvalid) as caught:
        rulesets.ruleset_draft_update(actor=rules_admin, version=version,
                                      data={"params": {**version.params, FERRITIN_KEY: 50.0}})
    assert list(caught.value.errors) == [f"params.{FERRITIN_KEY}"]
    assert RuleSetVersion.objects.get(pk=version.pk).params[FERRITIN_KEY] == 1500.0


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {}, {"confirm": "yes"}, {"confirm": False}])
def test_no_activation_without_the_confirmation_whatever_the_door(data, rules_admin,
                                                                    second_admin):
    version = approved(rules_admin, second_admin)
    with pytest.raises(InputInvalid) as caught:
        rulesets.ruleset_activate(actor=second_admin, version=version, data=data)
    assert list(caught.value.errors) == ["confirm"]
    assert RuleSetVersion.objects.get(pk=version.pk).state == "approved"
    assert RuleSetVersion.objects.get(number=1).state == "active"
