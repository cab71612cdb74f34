"""The database itself refuses changes to a submitted version (migration 0009's triggers, on
SQLite and PostgreSQL), and keeps exactly one version active."""

import pytest
from django.db import IntegrityError, transaction

from cadm.models import RuleSetVersion
from cadm.services import rulesets
from tests.cadm.rulesets.builders import FERRITIN_KEY, draft_with

pytestmark = pytest.mark.django_db
State = RuleSetVersion.State
NOT_DRAFT = [State.AWAITING_APPROVAL, State.APPROVED, State.REJECTED, State.RETIRED]


@pytest.fixture
def submitted(rules_admin, v1):
    version = draft_with(rules_admin, **{FERRITIN_KEY: 1000.0})
    return rulesets.ruleset_submit(actor=rules_admin, version=version)


def refused(queryset, **values) -> None:
    with pytest.raises(IntegrityError, match="a submitted version never changes"):
        with transaction.atomic():  # a savepoint: the test's transaction stays usable
            queryset.update(**values)


def test_raw_update_of_params_on_a_submitted_version_raises(submitted):
    rows = RuleSetVersion.objects.filter(pk=submitted.pk)
    refused(rows, params={**submitted.params, FERRITIN_KEY: 900.0})
    submitted.refresh_from_db()
    assert submitted.params[FERRITIN_KEY] == 1000.0


def reached(version, state, author, other_admin) -> RuleSetVersion:
    """The version taken to `state` through the services (the database refuses any other
    way: migration 0014)."""
    if state == State.REJECTED:
        return rulesets.ruleset_reject(actor=other_admin, version=version, data={"comment": "No."})
    if state in (State.APPROVED, State.RETIRED):
        version = rulesets.ruleset_approve(actor=other_admin, version=version)
    if state == State.RETIRED:
        rulesets.ruleset_activate(actor=other_admin, version=version, data={"confirm": True})
        rulesets.ruleset_activate(actor=author, data={"confirm": True},
                                  version=rulesets.ruleset_approve(
                                      actor=other_admin, version=rulesets.ruleset_submit(
                                          actor=author,
                                          version=draft_with(author, **{FERRITIN_KEY: 1100.0}))))
        version.refresh_from_db()
    return version


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_every_state_after_draft_is_protected(submitted, rules_admin, second_admin, state):
    version = reached(submitted, state, rules_admin, second_admin)
    assert version.state == state
    refused(RuleSetVersion.objects.filter(pk=version.pk),
            params={**version.params, FERRITIN_KEY: 900.0})


def test_the_active_version_1_is_protected(v1):
    refused(RuleSetVersion.objects.filter(pk=v1.pk), params={**v1.params, FERRITIN_KEY: 1.0})


@pytest.mark.parametrize("change", ["change_note", "number", "author", "based_on",
                                    "removed_key", "back_to_draft"])
def test_content_columns_and_a_return_to_draft_are_refused(submitted, second_admin, change):
    values = {
        "change_note": {"change_note": "rewritten after submission"},
        "number": {"number": 99},
        "author": {"author": second_admin},
        "based_on": {"based_on": None},
        "removed_key": {"params": {k: v for k, v in submitted.params.items()
                                   if k != FERRITIN_KEY}},
        "back_to_draft": {"state": State.DRAFT},
    }[change]
    refused(RuleSetVersion.objects.filter(pk=submitted.pk), **values)


def test_a_migration_may_add_a_parameter_to_a_submitted_version(submitted):
    """What an 'add a parameter' migration does (0006): keys are added, none changes."""
    RuleSetVersion.objects.filter(pk=submitted.pk).update(
        params={**submitted.params, "severity.SOME_NEW_RULE": "info"})
    submitted.refresh_from_db()
    assert submitted.params["severity.SOME_NEW_RULE"] == "info"
    assert submitted.params[FERRITIN_KEY] == 1000.0


def test_a_draft_stays_editable_in_the_database(rules_admin, v1):
    draft = draft_with(rules_admin)
    RuleSetVersion.objects.filter(pk=draft.pk).update(
        params={**draft.params, FERRITIN_KEY: 800.0}, change_note="edited")
    draft.refresh_from_db()
    assert (draft.params[FERRITIN_KEY], draft.change_note) == (800.0, "edited")


def test_saving_a_submitted_version_unchanged_is_allowed(submitted, second_admin):
    """Full-row saves of unchanged content (e.g. the admin, simple-history) must not fail."""
    submitted.review_comment = "looked at it"
    submitted.save()
    submitted.refresh_from_db()
    assert submitted.review_comment == "looked at it"


def test_exactly_one_active_version(rules_admin, v1):
    draft = draft_with(rules_admin)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            RuleSetVersion.objects.filter(pk=draft.pk).update(state=State.ACTIVE)
