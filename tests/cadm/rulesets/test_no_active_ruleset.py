"""No active rule-set version (reachable on SQLite, and on PostgreSQL until commit): the
selectors say so by name, pages that need the rules answer a clear 503 page (not a 500), with
the link to the rule-set list for a rules admin; the worklist keeps listing stored flags."""

import pytest
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from cadm.exceptions import NoActiveRuleSet
from cadm.middleware_rulesets import NoActiveRuleSetMiddleware
from cadm.selectors.rulesets import ruleset_active, ruleset_get

pytestmark = pytest.mark.django_db


def test_ruleset_active_says_none_is_active(none_active):
    with pytest.raises(NoActiveRuleSet, match="No rule-set version is active"):
        ruleset_active()
    with pytest.raises(CommandError, match="active rule-set version"):
        ruleset_get(active=True)


def assert_no_active_page(response, *, with_link: bool) -> None:
    assert response.status_code == 503
    assert [t.name for t in response.templates][:2] == ["no_active_ruleset.html", "base.html"]
    text = response.content.decode()
    assert "No rule-set version is active" in text
    assert "cannot be computed" in text
    assert "A rules admin must activate an approved rule-set version" in text
    assert (reverse("ruleset-list") in text) is with_link


def test_the_patient_page_answers_the_clear_503_page(none_active, rheum_client, patient):
    response = rheum_client.get(reverse("patient-detail", args=[patient.public_id]))
    assert_no_active_page(response, with_link=False)
    assert "Please tell a rules admin" in response.content.decode()


def test_the_lung_cohort_answers_the_clear_503_page(none_active, rheum_client, patient):
    assert_no_active_page(rheum_client.get(reverse("lung-cohort")), with_link=False)


def test_the_worklist_still_lists_the_stored_flags(none_active, rheum_client, patient):
    """The worklist reads stored flags only: it needs no active version and stays usable."""
    assert rheum_client.get(reverse("worklist")).status_code == 200


def test_a_rules_admin_gets_the_link_to_the_rule_set_list(none_active, rules_admin):
    request = RequestFactory().get("/anything/")
    request.user = rules_admin
    response = NoActiveRuleSetMiddleware(lambda r: None).process_exception(
        request, NoActiveRuleSet())
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert f'href="{reverse("ruleset-list")}"' in text and "rule-set list" in text


def test_other_exceptions_are_left_alone(rules_admin):
    request = RequestFactory().get("/anything/")
    assert NoActiveRuleSetMiddleware(lambda r: None).process_exception(
        request, ValueError("x")) is None
