"""Item 14 of issue 9: two saves of the same draft (two tabs, two people) never silently
overwrite each other."""

import pytest
from django.urls import reverse

from cadm.exceptions import ConcurrentEdit
from cadm.services import rulesets
from tests.cadm.rulesets.builders import FERRITIN_KEY, draft_with

pytestmark = pytest.mark.django_db


def test_a_save_on_an_older_version_of_the_draft_is_refused(rules_admin):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1400.0})
    opened = draft.row_version
    rulesets.ruleset_draft_update(actor=rules_admin, version=draft, expected_version=opened,
                                  data={"params": {**draft.params, FERRITIN_KEY: 1300.0},
                                        "change_note": "first tab"})
    with pytest.raises(ConcurrentEdit) as refused:
        rulesets.ruleset_draft_update(actor=rules_admin, version=draft, expected_version=opened,
                                      data={"params": {**draft.params, FERRITIN_KEY: 1200.0},
                                            "change_note": "second tab"})
    assert f"Params: now {FERRITIN_KEY} = 1300.0" in str(refused.value)
    draft.refresh_from_db()
    assert draft.params[FERRITIN_KEY] == 1300.0 and draft.change_note == "first tab"


def test_the_edit_page_shows_the_conflict_and_keeps_the_entries(client, rules_admin):
    draft = draft_with(rules_admin, **{FERRITIN_KEY: 1400.0})
    client.force_login(rules_admin)
    url = reverse("ruleset-edit", args=[draft.number])
    stale = {**draft.params, FERRITIN_KEY: "1200", "change_note": "mine",
             "row_version": draft.row_version}
    rulesets.ruleset_draft_update(actor=rules_admin, version=draft,
                                  expected_version=draft.row_version,
                                  data={"params": {**draft.params, FERRITIN_KEY: 1300.0},
                                        "change_note": "other tab"})
    response = client.post(url, stale)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not saved" in body and f"{FERRITIN_KEY} = 1300.0" in body
    draft.refresh_from_db()
    assert draft.params[FERRITIN_KEY] == 1300.0
