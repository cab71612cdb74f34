import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cadm.models import AuditEvent, LabResult, Visit
from cadm.sections import all_sections, get_section
from monitoring.models import PulmonaryFunctionTest
from tests.cadm.views.entry_data import blank_section, lab_row, visit_post

TODAY = dt.date.today()


def url(patient):
    return reverse("visit-new", args=[patient.public_id])


def test_full_visit_with_labs_and_pft_is_saved_together(rheum_client, rheumatologist, patient):
    ck = lab_row("ck")
    crp = lab_row("crp")
    data = visit_post(
        patient, weight_kg="64.5", skin=["heliotrope", "gottron_papules"], mmt8="80",
        symptoms=["dry_cough"], **{
            f"labs-{ck}-value": "450", f"labs-{ck}-upper_limit": "192",
            f"labs-{crp}-value": "1.5", f"labs-{crp}-unit": "mg/dL",
            "pft-0-fvc_pct_predicted": "82", "pft-0-dlco_pct_predicted": "70",
        },
    )
    response = rheum_client.post(url(patient), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = Visit.objects.get(patient=patient)
    assert visit.skin == ["heliotrope", "gottron_papules"] and visit.mmt8 == 80
    assert visit.clinician == rheumatologist
    labs = {r.analyte: r for r in LabResult.objects.filter(patient=patient)}
    assert set(labs) == {"ck", "crp"}
    assert labs["ck"].loinc == "2157-6" and labs["ck"].visit == visit
    assert labs["crp"].value == Decimal("1.5") and labs["crp"].value_normalised == Decimal("15")
    assert labs["crp"].unit_normalised == "mg/L"
    assert PulmonaryFunctionTest.objects.get(patient=patient).observed_on == TODAY
    page = rheum_client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()
    assert "CK 450 U/L (ULN 192)" in page and "CRP 1.5 mg/dL (ULN" not in page
    assert "= 15 mg/L" in page


def test_an_error_in_one_result_saves_nothing(rheum_client, patient):
    ck = lab_row("ck")
    data = visit_post(patient, skin=["heliotrope"], **{
        "pft-0-fvc_pct_predicted": "82", f"labs-{ck}-value": "600000",
    })
    response = rheum_client.post(url(patient), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "CK: 600000 U/L is outside the accepted range 0–500000 U/L." in body
    assert "Nothing was saved" in body
    assert not Visit.objects.exists() and not PulmonaryFunctionTest.objects.exists()


@pytest.mark.parametrize(("value", "confirm", "saved"), [
    ("20000", False, True), ("20001", False, False), ("20001", True, True),
    ("500000", True, True), ("500001", True, False),
])
def test_ck_soft_and_hard_range_edges(rheum_client, patient, value, confirm, saved):
    ck = lab_row("ck")
    fields = {f"labs-{ck}-value": value}
    if confirm:
        fields[f"labs-{ck}-confirm_unusual"] = "on"
    rheum_client.post(url(patient), visit_post(patient, skin=["heliotrope"], **fields))
    assert LabResult.objects.filter(patient=patient).exists() is saved


def test_wrong_unit_for_the_analyte_is_refused(rheum_client, patient):
    ck = lab_row("ck")
    data = visit_post(patient, **{f"labs-{ck}-value": "100", f"labs-{ck}-unit": "mg/L"})
    body = rheum_client.post(url(patient), data).content.decode()
    assert "unit &#x27;mg/L&#x27; is not accepted; use U/L" in body
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(("day", "message"), [
    (TODAY + dt.timedelta(days=1), "is in the future"),
    (dt.date(1980, 3, 2), "is before the patient&#x27;s birth date (1980-03-03)"),
])
def test_visit_date_must_lie_between_birth_and_today(rheum_client, patient, day, message):
    body = rheum_client.post(url(patient), visit_post(patient, visit_on=day.isoformat())
                             ).content.decode()
    assert message in body and not Visit.objects.exists()


@pytest.mark.parametrize(("weight", "ok"), [("19.9", False), ("20", True), ("350", True),
                                            ("350.1", False)])
def test_weight_range_edges(rheum_client, patient, weight, ok):
    rheum_client.post(url(patient), visit_post(patient, weight_kg=weight))
    assert Visit.objects.exists() is ok


@pytest.mark.parametrize(("mmt8", "ok"), [("-1", False), ("0", True), ("80", True),
                                          ("81", False)])
def test_mmt8_range_edges(rheum_client, patient, mmt8, ok):
    rheum_client.post(url(patient), visit_post(patient, mmt8=mmt8))
    assert Visit.objects.exists() is ok


def test_dermatologist_records_skin_findings_only(derm_client, dermatologist, patient):
    page = derm_client.get(url(patient)).content.decode()
    assert "Skin findings" in page and "MMT-8" not in page and 'id="section-labs"' not in page
    skin_only = [get_section("skin-biopsy")]
    data = visit_post(patient, sections=skin_only, skin=["v_sign"], mmt8="10",
                      **{"labs-TOTAL_FORMS": "1", "labs-INITIAL_FORMS": "0",
                         "labs-0-analyte": "ck", "labs-0-value": "999", "labs-0-unit": "U/L"})
    assert derm_client.post(url(patient), data).status_code == 302
    visit = Visit.objects.get()
    assert visit.skin == ["v_sign"] and visit.mmt8 is None and visit.clinician == dermatologist
    assert not LabResult.objects.exists()


def test_results_between_visits(rheum_client, patient):
    section = get_section("antibodies")
    data = {"observed_on": "2025-02-05", **blank_section(section, patient),
            "antibodies-0-antibody": "mda5", "antibodies-0-result": "positive",
            "antibodies-0-method": "line_blot", "antibodies-0-grade": "2"}
    response = rheum_client.post(reverse("results-new", args=[patient.public_id, "antibodies"]),
                                 data)
    assert response.status_code == 302
    page = rheum_client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()
    assert "Anti-MDA5 positive (Line blot, grade 2)" in page


def test_all_empty_results_page_saves_nothing_and_says_so(rheum_client, patient):
    section = get_section("pft")
    data = {"observed_on": "2025-02-05", **blank_section(section, patient)}
    body = rheum_client.post(reverse("results-new", args=[patient.public_id, "pft"]), data
                             ).content.decode()
    assert "every row is empty" in body


def test_entries_are_attributed_in_history_and_audit(rheum_client, rheumatologist, patient):
    ck = lab_row("ck")
    rheum_client.post(url(patient), visit_post(patient, **{f"labs-{ck}-value": "100"}))
    lab = LabResult.objects.get()
    assert lab.history.get().history_user == rheumatologist
    assert Visit.objects.get().history.get().history_user == rheumatologist
    event = AuditEvent.objects.get(action="visit.record")
    assert event.actor == rheumatologist and event.patient == patient


def test_patient_page_queries_do_not_grow_with_history(rheum_client, patient,
                                                       django_assert_max_num_queries):
    detail = reverse("patient-detail", args=[patient.public_id])
    rheum_client.get(detail)

    def add_history():
        rheum_client.post(url(patient), visit_post(patient, skin=["heliotrope"], **{
            f"labs-{lab_row('ck')}-value": "100", "pft-0-fvc_pct_predicted": "80",
            "antibodies-0-antibody": "mda5", "antibodies-0-result": "negative",
            "antibodies-0-method": "elisa"}))

    add_history()
    with django_assert_max_num_queries(40) as small:
        rheum_client.get(detail)
    baseline = len(small)  # read now: the next request clears Django's query log
    for _ in range(5):
        add_history()
    with django_assert_max_num_queries(baseline):
        rheum_client.get(detail)
    # One query per kind of result and visits, one for the people who recorded them, then
    # session, user, roles, sites, rule set, flags, the audit row, and the
    # classification-history panel (the recorded subtype's history; the facts are the
    # evaluation's): a fixed budget.
    assert baseline <= len(all_sections()) + 14
