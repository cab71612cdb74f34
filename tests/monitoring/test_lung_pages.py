"""The lung page, its JSON, and the lung panel on the patient page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cadm.models import AuditEvent, RuleSetVersion
from cadm.panels import patient_panels
from cadm.permissions import Perm, has_perm
from cadm.sections import get_section
from cadm.selectors.records import patient_records
from cadm.selectors.rulesets import ruleset_active
from cadm.services import rulesets
from cadm.services.evaluation import patient_evaluation, patient_reevaluate
from monitoring.models import HrctStudy, PpfAssessment
from tests.cadm.views.entry_data import blank_section
from tests.factories import LabResultFactory, PatientFactory, PftFactory, UserFactory
from tests.monitoring.lung_data import ago, mda5_with_dlco_fall

TODAY = timezone.localdate()  # what the views read


@pytest.fixture
def lung_patient(site, rheumatologist):
    return mda5_with_dlco_fall(site, rheumatologist, TODAY)


def lung_json(client, patient) -> dict:
    response = client.get(reverse("lung-series", args=[patient.public_id]))
    assert response.status_code == 200
    return response.json()


def series(data, key) -> dict:
    return next(s for s in data["series"] if s["key"] == key)


def test_json_holds_values_thresholds_and_flagged_points(rheum_client, lung_patient):
    data = lung_json(rheum_client, lung_patient)
    assert data["rule_set_version"] == 1 and data["as_of"] == TODAY.isoformat()
    dlco = series(data, "dlco")
    assert [(p["date"], p["value"]) for p in dlco["points"]] == [
        (ago(TODAY, 190).isoformat(), 72.0), (ago(TODAY, 100).isoformat(), 70.0),
        (ago(TODAY, 10).isoformat(), 58.0)]
    assert [p["flagged"] for p in dlco["points"]] == [True, False, True]
    assert "ILD_PROGRESSION" in dlco["points"][2]["flags"]
    assert dlco["thresholds"] == [{
        "value": 62.0, "param": "lung.dlco_decline_points",
        "label": "PPF 2022: 10 points below the highest value in the 365 days before the "
                 "latest PFT (72)"}]
    ferritin = series(data, "ferritin")
    assert [p["flags"] for p in ferritin["points"]] == [[], [], ["MDA5_RPILD_MARKERS"]]
    assert [t["value"] for t in ferritin["thresholds"]] == [1500.0, 636.0]
    ck = series(data, "ck")
    # Every CK of this history carries its lab's ULN (192): no value falls back to the default.
    assert ck["thresholds"] == []
    assert [(p["uln"], p["above_uln"]) for p in ck["points"]] == [
        ({"value": 192.0, "source": "lab"}, False)] * 3
    assert [p["value"] for p in series(data, "kl6")["points"]] == [800.0, 950.0, 1100.0]


def test_json_holds_schedule_decline_table_ppf_and_scores(rheum_client, lung_patient):
    data = lung_json(rheum_client, lung_patient)
    assert data["schedule"]["interval_days"] == 90
    assert data["schedule"]["next_due"] == (ago(TODAY, 10) + dt.timedelta(days=90)).isoformat()
    first = data["declines"][0]
    assert (first["date"], first["compared_with"]) == (ago(TODAY, 10).isoformat(),
                                                        ago(TODAY, 100).isoformat())
    assert first["dlco_pct_predicted"]["absolute"] == -12.0
    assert first["criteria"] == ["ppf_dlco", "legacy_dlco"]
    second = data["declines"][1]
    assert second["fvc_pct_predicted"] == {"before": 82.0, "after": 78.0, "absolute": -4.0,
                                           "relative_pct": -4.88}
    assert second["fvc_l"]["relative_pct"] == -3.33 and second["relative_basis"] == "litres"
    assert data["ppf"]["verdict"] == "incomplete"
    assert data["flair"]["known"] == 5 and "RP-ILD" in data["flair"]["lacking"]
    assert data["mck"]["lacking"] == ["CRP"]
    codes = [f["code"] for f in data["flags"]]
    assert codes[:2] == ["ILD_PROGRESSION", "MDA5_RPILD_MARKERS"]  # critical first


def test_thresholds_follow_the_active_rule_set(rheum_client, lung_patient, site):
    author = UserFactory(role="rules_admin", sites=[site])
    approver = UserFactory(role="rules_admin", sites=[site])
    active = RuleSetVersion.objects.get(state="active")
    draft = rulesets.ruleset_draft_clone(actor=author, source=active)
    draft = rulesets.ruleset_draft_update(
        actor=author, version=draft, data={
            "change_note": "Test thresholds.",
            "params": {**draft.params, "mda5.ferritin_ng_ml": 1200.0,
                       "lung.dlco_decline_points": 12.0, "lung.mda5_pft_interval_days": 60}})
    rulesets.ruleset_submit(actor=author, version=draft)
    rulesets.ruleset_approve(actor=approver, version=draft)
    rulesets.ruleset_activate(actor=approver, version=draft, data={"confirm": True})
    data = lung_json(rheum_client, lung_patient)
    assert data["rule_set_version"] == draft.number
    assert series(data, "ferritin")["thresholds"][0]["value"] == 1200.0
    assert series(data, "dlco")["thresholds"][0]["value"] == 60.0
    assert data["schedule"]["interval_days"] == 60
    assert data["declines"][0]["criteria"] == ["ppf_dlco", "legacy_dlco"]  # 12 ≥ 12
    body = rheum_client.get(reverse("lung-detail", args=[lung_patient.public_id])).content
    assert "PFT every 60 days" in body.decode()


def test_lung_page_shows_schedule_flags_charts_table_ppf_and_scores(rheum_client,
                                                                     lung_patient):
    response = rheum_client.get(reverse("lung-detail", args=[lung_patient.public_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lung function decline: DLCO −14 points" in body
    assert body.count('<span class="sev sev-critical">Critical</span>') == 2
    assert "every 90 days" in body and "positive</strong> on" in body
    assert "Ground-glass opacity, Reticulation" in body
    assert "420 m, SpO₂ nadir 87 %" in body
    for key in ("fvc", "dlco", "ferritin", "ck", "kl6"):
        assert f'id="chart-{key}"' in body
    assert body.count('<svg role="img"') == 5
    assert "PPF 2022: DLCO fall ≥ 10 points" in body and "−14.0" in body and "−19.4 %" in body
    assert "Progressive pulmonary fibrosis" in body and "? not assessed" in body
    assert "FLAIR: at least 5" in body and "MCK: 2 of 3 risk factors" in body
    assert "JAMI" in body and "207" in body
    entry = reverse("results-new", args=[lung_patient.public_id, "pft"])
    assert f'href="{entry}"' in body
    assert AuditEvent.objects.filter(action="patient.view").exists()


@pytest.fixture
def mixed_uln_patient(site, rheumatologist):
    """A woman whose CK results come from labs with different ULNs, and one without any."""
    patient = PatientFactory(site=site, created_by=rheumatologist, sex="female")
    for days, value, uln in ((120, 250, 200), (60, 250, 300), (5, 150, None)):
        LabResultFactory(patient=patient, observed_on=ago(TODAY, days), value=value,
                         upper_limit=uln)
    return patient


def test_ck_values_are_judged_against_their_own_labs_uln(rheum_client, mixed_uln_patient):
    ck = series(lung_json(rheum_client, mixed_uln_patient), "ck")
    assert [(p["value"], p["uln"], p["above_uln"]) for p in ck["points"]] == [
        (250.0, {"value": 200.0, "source": "lab"}, True),
        (250.0, {"value": 300.0, "source": "lab"}, False),  # though above the default 192
        (150.0, {"value": 192, "source": "default"}, False)]
    assert [(t["value"], t["param"]) for t in ck["thresholds"]] == [(192, "uln.ck_female")]


def test_ck_chart_and_caption_show_each_values_uln(rheum_client, mixed_uln_patient):
    body = rheum_client.get(
        reverse("lung-detail", args=[mixed_uln_patient.public_id])).content.decode()
    chart = body[body.index('id="chart-ck"'):]
    chart = chart[:chart.index("</figure>")]
    assert "ULN 200" in chart and "ULN 300" in chart
    assert "ULN of the reporting lab, at each value" in chart
    assert "ULN 192 U/L: rule-set default (female)" in chart
    assert "above its own ULN" in chart
    caption = chart[chart.index("<figcaption>"):]
    assert "last 150 on" in caption and "ULN 192, rule-set default" in caption
    assert f"above its own ULN {ago(TODAY, 120):%Y-%m-%d} (250, " in caption
    assert "ULN 200, the lab's" in caption
    assert caption.count("above its own ULN") == 1  # not 250 against its lab's 300


def test_a_patient_without_lung_data_gets_a_calm_page(rheum_client, patient):
    body = rheum_client.get(reverse("lung-detail", args=[patient.public_id])).content.decode()
    assert "No PFT schedule" in body and "no values recorded" in body
    assert "No PFT recorded." in body and "Prognostic scores" not in body
    assert "<svg" not in body


def test_dermatologist_sees_the_lung_page_without_entry_links(derm_client, lung_patient):
    body = derm_client.get(reverse("lung-detail", args=[lung_patient.public_id])).content.decode()
    assert "DLCO (% predicted)" in body
    assert "+ PFT" not in body and "record a PPF assessment" not in body


def test_patient_page_has_the_lung_panel(rheum_client, lung_patient):
    body = rheum_client.get(reverse("patient-detail", args=[lung_patient.public_id])).content
    body = body.decode()
    assert 'id="panel-lung"' in body
    assert f"{(ago(TODAY, 10) + dt.timedelta(days=90)):%Y-%m-%d}" in body
    assert "anti-MDA5 positive since" in body and "(Line blot, grade 2)" in body
    assert reverse("lung-detail", args=[lung_patient.public_id]) in body


def test_panel_marks_an_overdue_pft(rheum_client, site, rheumatologist):
    patient = mda5_with_dlco_fall(site, rheumatologist, TODAY - dt.timedelta(days=120))
    body = rheum_client.get(reverse("patient-detail", args=[patient.public_id])).content
    assert 'class="schedule status-overdue"' in body.decode()
    assert "Overdue by" in body.decode()


def post_results(client, patient, key, day, **fields):
    section = get_section(key)
    data = {"observed_on": day.isoformat(), **blank_section(section, patient), **fields}
    return client.post(reverse("results-new", args=[patient.public_id, key]), data)


def test_hrct_without_extent_score_is_entered_and_shown(rheum_client, lung_patient):
    response = post_results(rheum_client, lung_patient, "hrct", ago(TODAY, 1),
                            **{"hrct-0-ild": "yes", "hrct-0-findings": ["consolidation"]})
    assert response.status_code == 302
    hrct = HrctStudy.objects.get(patient=lung_patient, observed_on=ago(TODAY, 1))
    assert hrct.extent_score is None
    body = rheum_client.get(reverse("lung-detail", args=[lung_patient.public_id])).content
    assert f"{ago(TODAY, 1):%Y-%m-%d}: <strong>ILD</strong> — Consolidation" in body.decode()


def test_ppf_assessment_is_entered_shown_in_the_summary_and_timeline(rheum_client,
                                                                     lung_patient):
    response = post_results(rheum_client, lung_patient, "ppf", ago(TODAY, 2), **{
        "ppf-0-worsening_symptoms": "no", "ppf-0-radiological_progression": "yes",
        "ppf-0-note": "More reticulation at both bases"})
    assert response.status_code == 302
    row = PpfAssessment.objects.get(patient=lung_patient)
    assert (row.worsening_symptoms, row.radiological_progression) == (False, True)
    assert row.history.count() == 1
    data = lung_json(rheum_client, lung_patient)
    assert data["ppf"]["verdict"] == "met"
    assert {c["key"]: c["state"] for c in data["ppf"]["criteria"]} == {
        "symptoms": "not_met", "physiological": "met", "imaging": "met"}
    page = rheum_client.get(reverse("patient-detail", args=[lung_patient.public_id])).content
    assert ("PPF assessment: worsening symptoms no, radiological progression yes — More "
            "reticulation at both bases") in page.decode()


def test_pft_entered_from_the_lung_page_moves_the_schedule(rheum_client, site, rheumatologist):
    patient = mda5_with_dlco_fall(site, rheumatologist, TODAY - dt.timedelta(days=120))
    assert lung_json(rheum_client, patient)["schedule"]["status"] == "overdue"
    response = post_results(rheum_client, patient, "pft", TODAY, **{
        "pft-0-fvc_pct_predicted": "77", "pft-0-dlco_pct_predicted": "57"})
    assert response.status_code == 302
    schedule = lung_json(rheum_client, patient)["schedule"]
    assert schedule["last_pft"] == TODAY.isoformat() and schedule["status"] == "scheduled"


@pytest.mark.parametrize("name", ["lung-detail", "lung-series", "patient-detail"])
def test_queries_do_not_grow_with_history(rheum_client, site, rheumatologist, name,
                                          django_assert_max_num_queries):
    patient = mda5_with_dlco_fall(site, rheumatologist, TODAY)
    url = reverse(name, args=[patient.public_id])
    rheum_client.get(url)
    with django_assert_max_num_queries(60) as first:
        rheum_client.get(url)
    baseline = len(first)
    for n in range(6):
        PftFactory(patient=patient, observed_on=ago(TODAY, 30 + n), fvc_pct_predicted=80 - n,
                   dlco_pct_predicted=65)
    patient_reevaluate(patient.pk, as_of=TODAY)
    with django_assert_max_num_queries(baseline):
        rheum_client.get(url)


def test_entered_in_error_rows_are_left_out(rheum_client, site, rheumatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    PftFactory(patient=patient, observed_on=ago(TODAY, 5), fvc_pct_predicted=50,
               status="entered_in_error")
    data = lung_json(rheum_client, patient)
    assert series(data, "fvc")["points"] == [] and data["declines"] == []


def test_panel_needs_no_query_when_given_the_pages_records_and_rule_set(
        site, rheumatologist, django_assert_num_queries):
    """cadm's patient page loads the records and the rule set already; once it passes them
    to the panels, the lung panel adds nothing to the page's query budget."""
    patient = mda5_with_dlco_fall(site, rheumatologist, TODAY)
    records, ruleset = patient_records(patient), ruleset_active()
    evaluation = patient_evaluation(patient, as_of=TODAY, ruleset=ruleset, records=records)
    panel = next(p for p in patient_panels() if p.key == "lung")
    has_perm(rheumatologist, Perm.RESULT_RECORD)  # the page has read the roles already
    with django_assert_num_queries(0):
        context = panel.context(patient=patient, evaluation=evaluation, user=rheumatologist,
                                records=records, ruleset=ruleset)
    assert context["lung"].schedule.interval_days == 90
    assert context["lung"].hrct.ild and context["lung"].mda5.latest.grade == 2
    with django_assert_num_queries(4):  # what it costs today, without them
        panel.context(patient=patient, evaluation=evaluation, user=rheumatologist)
