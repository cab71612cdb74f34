"""The patient page's "Classification over time" panel: the derived subtype and EULAR/ACR 2017
score as of each visit, and the recorded subtype's changes with who and when."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadm.rules.criteria.classification import WEIGHTS
from cadm.services.patients import patient_update
from cadm.templatetags.cadm_labels import LABELS
from tests.factories import PatientFactory, UserFactory, VisitFactory

PANEL = "classification-history"
# PatientFactory: born 1980-03-03, skin onset 2024-12-01 (age 44 at onset: ≥ 40 scores 2.1).
VISIT_1 = dt.date(2025, 1, 20)  # under 6 months of skin disease: subtype undetermined
VISIT_2 = dt.date(2025, 7, 1)
VISIT_3 = dt.date(2025, 9, 1)


@pytest.fixture
def evolving_patient(patient):
    """Heliotrope + Gottron papules (7.3, probable); then Gottron sign (10.6, definite);
    then proximal upper-limb weakness (classic DM)."""
    VisitFactory(patient=patient, visit_on=VISIT_1, skin=["heliotrope", "gottron_papules"])
    VisitFactory(patient=patient, visit_on=VISIT_2,
                 skin=["heliotrope", "gottron_papules", "gottron_sign"])
    VisitFactory(patient=patient, visit_on=VISIT_3, skin=["gottron_sign"],
                 weakness=["proximal_upper"])
    return patient


def page(client, patient):
    return client.get(reverse("patient-detail", args=[patient.public_id]))


def panel_context(response) -> dict:
    return {panel.key: ctx for panel, ctx in response.context["panels"]}[PANEL]


def panel_text(response) -> str:
    """The panel's rendered text, tags removed and spaces collapsed."""
    html = response.content.decode()
    section = html.split(f'id="panel-{PANEL}"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def test_each_visit_shows_its_classification_newest_first(rheum_client, evolving_patient):
    rows = panel_context(page(rheum_client, evolving_patient))["rows"]
    assert [r.visit_on for r in rows] == [VISIT_3, VISIT_2, VISIT_1]
    seen = [(r.classification.subtype, r.classification.confirmation,
             r.classification.eular_acr.score, r.classification.eular_acr.category,
             r.classification.eular_acr.subgroup) for r in rows]
    assert seen == [
        ("classic_dm", None, 11.3, "definite", "dm"),
        ("amyopathic", "provisional", 10.6, "definite", "amyopathic_dm"),
        ("undetermined", None, 7.3, "probable", "amyopathic_dm"),
    ]
    assert [r.changes for r in rows] == [
        ("subtype", "confirmation", "score"),
        ("subtype", "confirmation", "score", "category"),
        (),
    ]
    assert dict(rows[-1].classification.eular_acr.items) == {
        "age_40_plus": 2.1, "heliotrope": 3.1, "gottron_papules": 2.1}


def test_panel_reads_in_words_with_points(rheum_client, evolving_patient):
    text = panel_text(page(rheum_client, evolving_patient))
    assert "Classification over time" in text
    assert "3 visits, newest first · the classification changed at 2 of them" in text
    assert "Age at onset ≥ 40 years 2.1 · Gottron papules 2.1 · Heliotrope rash 3.1" in text
    assert "7.3 without biopsy probable IIM, amyopathic DM" in text
    assert "Score 7.3 → 10.6" in text
    assert "Category probable IIM → definite IIM" in text
    assert "Subtype Amyopathic DM → Classic dermatomyositis" in text
    assert "Proximal upper-limb weakness 0.7" in text
    assert "_" not in text  # no raw code (age_40_plus, amyopathic_dm, not_iim…)
    # Newest first: the classic-DM visit comes before the first visit.
    assert text.index(VISIT_3.isoformat()) < text.index(VISIT_1.isoformat())


def test_recorded_subtype_changes_show_who_and_when(rheum_client, rheumatologist,
                                                   evolving_patient):
    rheumatologist.first_name, rheumatologist.last_name = "Rhea", "Umatol"
    rheumatologist.save()
    patient_update(actor=rheumatologist, patient=evolving_patient,
                   data={"recorded_subtype": "amyopathic"})
    patient_update(actor=rheumatologist, patient=evolving_patient,
                   data={"notes": "no change of subtype here"})
    patient_update(actor=rheumatologist, patient=evolving_patient,
                   data={"recorded_subtype": "classic_dm"})
    response = page(rheum_client, evolving_patient)

    changes = panel_context(response)["subtype_changes"]
    assert [(c.before, c.after, c.by) for c in changes] == [
        ("amyopathic", "classic_dm", "Rhea Umatol"),
        ("", "amyopathic", "Rhea Umatol"),
    ]
    assert changes[0].changed_at.date() == dt.datetime.now(dt.UTC).date()
    text = panel_text(response)
    assert "Amyopathic DM Classic dermatomyositis Rhea Umatol" in text
    assert "not recorded Amyopathic DM Rhea Umatol" in text


def test_without_a_recorded_subtype_the_panel_says_so(rheum_client, patient):
    text = panel_text(page(rheum_client, patient))
    assert "No visits yet" in text
    assert "No subtype has been recorded." in text


def test_a_visit_entered_in_error_is_not_listed_nor_read(rheum_client, evolving_patient):
    VisitFactory(patient=evolving_patient, visit_on=dt.date(2025, 8, 1),
                 weakness=["neck_flexor"], status="entered_in_error",
                 status_reason="another patient's examination")
    rows = panel_context(page(rheum_client, evolving_patient))["rows"]
    assert dt.date(2025, 8, 1) not in [r.visit_on for r in rows]
    assert len(rows) == 3
    # Its neck-flexor weakness would have made visit 3 score 1.9 more.
    assert rows[0].classification.eular_acr.score == 11.3


def test_two_visits_on_one_day_share_the_classification(rheum_client, evolving_patient):
    VisitFactory(patient=evolving_patient, visit_on=VISIT_2, skin=["v_sign"])
    rows = panel_context(page(rheum_client, evolving_patient))["rows"]
    same_day = [r for r in rows if r.visit_on == VISIT_2]
    assert len(same_day) == 2
    assert same_day[0].classification == same_day[1].classification
    assert sorted(len(r.changes) > 0 for r in same_day) == [False, True]


def _add_visits(patient, rheumatologist, count: int, start: dt.date) -> None:
    for i in range(count):
        weakness = ["proximal_lower"] if i % 5 == 4 else []
        VisitFactory(patient=patient, visit_on=start + dt.timedelta(days=20 * i),
                     skin=["heliotrope", "gottron_sign"], weakness=weakness)
        if i % 6 == 0:  # the recorded subtype's history grows too
            subtype = "amyopathic" if i % 12 == 0 else "hypomyopathic"
            patient_update(actor=rheumatologist, patient=patient,
                           data={"recorded_subtype": subtype})


def test_page_queries_do_not_grow_with_visits(rheum_client, rheumatologist, patient):
    _add_visits(patient, rheumatologist, 2, dt.date(2025, 1, 10))
    page(rheum_client, patient)  # warm the per-process caches (content types, session)
    with CaptureQueriesContext(connection) as two:
        assert page(rheum_client, patient).status_code == 200
    _add_visits(patient, rheumatologist, 18, dt.date(2025, 3, 1))
    with CaptureQueriesContext(connection) as twenty:
        response = page(rheum_client, patient)
    assert len(panel_context(response)["rows"]) == 20
    assert len(twenty) == len(two), [q["sql"] for q in twenty.captured_queries]


def test_panel_costs_two_queries_with_the_pages_records(patient, django_assert_num_queries):
    """The facts' providers (screening's plan) and the patient's history."""
    from cadm.selectors.classification_history import classification_history_context
    from cadm.selectors.records import patient_records
    from cadm.selectors.rulesets import ruleset_active

    for i in range(5):
        VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 10) + dt.timedelta(days=30 * i))
    records, ruleset = patient_records(patient), ruleset_active()
    with django_assert_num_queries(2):
        context = classification_history_context(patient=patient, evaluation=None, user=None,
                                                 records=records, ruleset=ruleset)
    assert len(context["rows"]) == 5


def test_a_dermatologist_sees_the_panel(derm_client, evolving_patient):
    response = page(derm_client, evolving_patient)
    assert response.status_code == 200
    assert "Classification over time" in panel_text(response)


def test_a_rules_admin_cannot_open_the_page(client, rules_admin, evolving_patient):
    client.force_login(rules_admin)
    assert page(client, evolving_patient).status_code == 403


def test_another_sites_user_gets_404(client, outsider, evolving_patient):
    client.force_login(outsider)
    assert page(client, evolving_patient).status_code == 404


def test_history_panel_only_lists_its_own_patient(rheum_client, site, evolving_patient):
    other = PatientFactory(site=site, created_by=UserFactory())
    VisitFactory(patient=other, visit_on=dt.date(2025, 2, 2))
    patient_update(actor=evolving_patient.created_by, patient=other,
                   data={"recorded_subtype": "hypomyopathic"})
    context = panel_context(page(rheum_client, evolving_patient))
    assert dt.date(2025, 2, 2) not in [r.visit_on for r in context["rows"]]
    assert context["subtype_changes"] == []


def test_every_eular_item_has_a_label():
    assert set(LABELS["eular_item"]) == set(WEIGHTS)
