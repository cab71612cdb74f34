"""The same bad value gets the same message whatever door it comes in by (issue 11, §1), for the
writes that are not results: a flag's review, a record entered in error, a rule-set version's
lifecycle. One bad value per action; each door returns (field, message) of its first refusal.

Doors: the page's form (as the page builds it) and the API (POST the value as JSON, read
`{"error": {"fields": {field: [message]}}}`). Entered in error: the page's form and the
service called with the values (a program); its API endpoint reads the reason with its own
words (cadm/api/entries.py reason_body) until it hands the body to the input.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cadm.forms.corrections import ReasonForm
from cadm.forms.flags import AcknowledgeForm, CommentForm, DismissForm, SnoozeForm
from cadm.forms.ruleset_activation import ActivationConfirmForm
from cadm.forms.rulesets import CloneForm, ReviewForm, RuleSetDraftForm
from cadm.inputs import InputInvalid
from cadm.inputs.rulesets import CONFIRM_REQUIRED
from cadm.models import Flag, RuleSetVersion
from cadm.rules.params import DEFAULTS
from cadm.sections import get_section
from cadm.services import rulesets
from cadm.services.corrections import record_mark_entered_in_error
from cadm.services.evaluation import patient_reevaluate
from tests.cadm.api.conftest import token_client
from tests.cadm.rulesets.builders import FERRITIN_KEY, draft_with, mda5_patient
from tests.factories import LabResultFactory, UserFactory

pytestmark = pytest.mark.django_db
TEXT = "without NUL characters."
LONG = "x" * 2001
REASONS = ("Action already completed, Patient ineligible, Need more information, Disagree with "
           "the evidence, Patient refused, Alternative treatment chosen")


def _first(errors: dict) -> tuple[str, str]:
    field, messages = next(iter(errors.items()))
    return field, messages[0]


def form_door(form) -> tuple[str, str]:
    assert not form.is_valid()
    return _first({name: [str(m) for m in errors] for name, errors in form.errors.items()})


def api_door(client, url: str, body: dict, method: str = "post", **headers) -> tuple[str, str]:
    response = getattr(client, method)(url, body, format="json", **headers)
    assert response.status_code == 400, response.content
    return _first(response.json()["error"]["fields"])


# --------------------------------------------------------------------------------- flags

@pytest.fixture
def flag(site, rheumatologist):
    patient = mda5_patient(site, rheumatologist)
    patient_reevaluate(patient.pk)
    return Flag.objects.filter(patient=patient).order_by("severity_rank", "code").first()


def _snooze_too_far(flag: Flag) -> tuple[dict, str]:
    today = timezone.localdate()
    longest = DEFAULTS[f"snooze.max_days.{flag.severity}"]
    first, last = today + dt.timedelta(days=1), today + dt.timedelta(days=longest)
    until = last + dt.timedelta(days=1)
    return ({"until": until.isoformat(), "comment": "later"},
            f"Snooze until: {until.isoformat()} is outside the accepted range for a "
            f"{flag.severity} flag: {first.isoformat()} to {last.isoformat()} (at most "
            f"{longest} days, rule set v1).")


# action -> (page form, bad body, field, message); the snooze's depends on the flag.
FLAG_BAD_VALUES = {
    "acknowledge": (AcknowledgeForm, {"comment": LONG}, "comment",
                    f"Comment: '{'x' * 39}…' is 2001 characters long; accepted: text of at most "
                    f"2000 characters, {TEXT}"),
    "dismiss": (DismissForm, {"reason": "bored", "comment": "x"}, "reason",
                f"Reason: 'bored' is not one of the choices; accepted: one of: {REASONS}."),
    "snooze": (SnoozeForm, None, "until", None),
    "comment": (CommentForm, {"comment": "   "}, "comment",
                f"Comment: required; accepted: text of at most 2000 characters, {TEXT}"),
    "accept": (AcknowledgeForm, {"comment": LONG}, "comment",
               f"Comment: '{'x' * 39}…' is 2001 characters long; accepted: text of at most "
               f"2000 characters, {TEXT}"),
    "reject": (DismissForm, {"comment": "x"}, "reason",
               f"Reason: required; choose one of: {REASONS}."),
}


@pytest.mark.parametrize("door", ["form", "api"])
@pytest.mark.parametrize("action", FLAG_BAD_VALUES)
def test_a_flag_action_refuses_a_bad_value_in_the_same_words(action, door, flag,
                                                              rheumatologist):
    form_class, body, field, message = FLAG_BAD_VALUES[action]
    if body is None:
        body, message = _snooze_too_far(flag)
    if door == "form":
        got = form_door(form_class(body, flag=flag, today=timezone.localdate()))
    else:  # a rheumatologist reviews flags and decides reclassifications
        got = api_door(token_client(rheumatologist),
                       f"/api/v1/flags/{flag.public_id}/{action}/", body)
    assert got == (field, message)
    assert Flag.objects.get(pk=flag.pk).state == "open"


# ---------------------------------------------------------------------- entered in error

def test_entered_in_error_refuses_a_long_reason_in_the_same_words(patient, rheumatologist):
    lab = LabResultFactory(patient=patient, observed_on=dt.date(2025, 9, 1))
    message = (f"Reason: '{'x' * 39}…' is 301 characters long; accepted: text of at most 300 "
               f"characters, {TEXT}")
    assert form_door(ReasonForm({"reason": "x" * 301}, what="result")) == ("reason", message)
    with pytest.raises(InputInvalid) as caught:
        record_mark_entered_in_error(actor=rheumatologist, patient=patient,
                                     section=get_section("labs"), record=lab,
                                     data={"reason": "x" * 301})
    assert caught.value.first() == ("reason", message)


# ------------------------------------------------------------------------------ rule sets

@pytest.fixture
def second_admin(site):
    return UserFactory(username="ruleadmin2", role="rules_admin", sites=[site])


def _draft_form_data(version: RuleSetVersion, **changes) -> dict:
    return {**version.params, "change_note": version.change_note, **changes}


def test_a_clone_refuses_a_long_note_in_the_same_words(rules_admin):
    message = (f"Change note: '{'x' * 39}…' is 4001 characters long; accepted: text of at "
               f"most 4000 characters, {TEXT}")
    body = {"change_note": "x" * 4001}
    assert form_door(CloneForm(body)) == ("change_note", message)
    assert api_door(token_client(rules_admin), "/api/v1/rulesets/1/clone/", body) == \
        ("change_note", message)
    assert RuleSetVersion.objects.count() == 1


@pytest.mark.parametrize(("key", "typed", "sent", "message"), [
    ("eular.probable_no_biopsy", "9", 9, "Score from which the category is 'probable' (no "
     "biopsy): possible ≤ probable ≤ definite is required."),
    (FERRITIN_KEY, "50", 50, "Ferritin at or above which RP-ILD risk is high: 50 ng/mL is "
     "outside the accepted range 100–20000 ng/mL."),
    ("lung.pft_interval_days", "731", 731, "PFT interval otherwise (IIM-ILD: every 3-6 "
     "months): 731 days is outside the accepted range 30–730 days."),
])
def test_a_draft_refuses_a_parameter_in_the_same_words(key, typed, sent, message,
                                                       rules_admin):
    """The page names the field by its key, the API by its path in the body."""
    draft = draft_with(rules_admin)
    assert form_door(RuleSetDraftForm(_draft_form_data(draft, **{key: typed}))) == \
        (key, message)
    client = token_client(rules_admin)
    etag = client.get(f"/api/v1/rulesets/{draft.number}/")["ETag"]
    assert api_door(client, f"/api/v1/rulesets/{draft.number}/", {"params": {key: sent}},
                    method="patch", HTTP_IF_MATCH=etag) == (f"params.{key}", message)


@pytest.mark.parametrize(("action", "body", "message"), [
    ("approve", {"comment": "x" * 4001},
     f"Comment: '{'x' * 39}…' is 4001 characters long; accepted: text of at most 4000 "
     f"characters, {TEXT}"),
    ("reject", {"comment": "  "}, "Say why the version is rejected."),
])
def test_a_review_refuses_a_bad_comment_in_the_same_words(action, body, message, rules_admin,
                                                          second_admin):
    draft = draft_with(rules_admin)
    rulesets.ruleset_submit(actor=rules_admin, version=draft)
    assert form_door(ReviewForm(body, action=action)) == ("comment", message)
    assert api_door(token_client(second_admin), f"/api/v1/rulesets/{draft.number}/{action}/",
                    body) == ("comment", message)
    assert RuleSetVersion.objects.get(pk=draft.pk).state == "awaiting_approval"


def test_an_activation_unconfirmed_is_refused_in_the_same_words(rules_admin, second_admin):
    from tests.cadm.rulesets.builders import approved

    version = approved(rules_admin, second_admin)
    assert form_door(ActivationConfirmForm({})) == ("confirm", CONFIRM_REQUIRED)
    assert api_door(token_client(second_admin), f"/api/v1/rulesets/{version.number}/activate/",
                    {}) == ("confirm", CONFIRM_REQUIRED)
    assert RuleSetVersion.objects.get(pk=version.pk).state == "approved"


# ------------------------------------------------------------------- the API's JSON bodies

@pytest.mark.parametrize(("path", "body", "fields"), [
    ("flags/{flag}/acknowledge/", {"note": "booked"}, {"note": ["Unknown field; accepted: "
                                                                "comment."]}),
    ("flags/{flag}/snooze/", {"until": "2026-06-02", "comment": "x", "days": 3},
     {"days": ["Unknown field; accepted: until, comment."]}),
    ("rulesets/1/clone/", {"note": "x"}, {"note": ["Unknown field; accepted: change_note."]}),
    ("rulesets/1/submit/", {"comment": "x"}, {"comment": ["Unknown field; this action takes "
                                                          "no values."]}),
])
def test_a_misspelt_field_is_refused_not_dropped(path, body, fields, flag, rheumatologist,
                                                 rules_admin):
    user = rules_admin if path.startswith("rulesets") else rheumatologist
    response = token_client(user).post(f"/api/v1/{path.format(flag=flag.public_id)}", body,
                                       format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"] == fields
    assert Flag.objects.get(pk=flag.pk).state == "open"
    assert RuleSetVersion.objects.count() == 1


@pytest.mark.parametrize("path", ["flags/{flag}/comment/", "rulesets/1/clone/"])
def test_a_body_that_is_not_an_object_is_refused(path, flag, rheumatologist, rules_admin):
    user = rules_admin if path.startswith("rulesets") else rheumatologist
    response = token_client(user).post(f"/api/v1/{path.format(flag=flag.public_id)}",
                                       ["comment"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The body must be a JSON object."
