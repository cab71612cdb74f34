"""The demo cohort (cadm.demo) and the command that loads it (load_demo)."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from cadm.demo import PHENOTYPES, SITES, demo_cohort
from cadm.models import Patient, User
from cadm.rules.vocabulary import HALLMARK_SKIN_SIGNS
from cadm.selectors.patients import patient_list_for

TODAY = dt.date(2026, 6, 1)
ENZYMES = {"ck", "aldolase", "ldh", "ast", "alt"}
# Every label the brief for the demo asks for, typed here so a renamed label shows up.
EXPECTED_PHENOTYPES = {
    "mda5_with_lung_baseline", "mda5_without_lung_tests", "mda5_rpild_markers",
    "mda5_lung_decline", "ild_without_mda5", "tif1g_positive", "nxp2_positive",
    "ck_rise_amyopathic", "mri_oedema_amyopathic", "weakness_appeared", "hcq_high_dose",
    "hcq_long_term_no_eye_exam", "hcq_with_eye_exams", "juvenile_onset",
    "stable_amyopathic", "skin_only_recent", "exertional_desaturation", "male",
    "refractory", "skin_ulceration", "dysphagia_moderate_severe",
}
USERS = {
    "rheum": ("rheumatologist", {"north"}), "derm": ("dermatologist", {"north"}),
    "rheum_south": ("rheumatologist", {"south"}), "derm_south": ("dermatologist", {"south"}),
    "ruleadmin": ("rules_admin", {"north", "south"}),
    "ruleadmin2": ("rules_admin", {"north", "south"}),
    "privacy": ("privacy_officer", {"north", "south"}),
    "siteadmin": ("site_admin", {"north"}),
}

COHORT = demo_cohort(today=TODAY)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _of(label: str):
    return [p for p in COHORT if p.phenotype == label]


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _months(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 30.44


def _all_dates(case: dict):
    p = case["patient"]
    yield from (p["birth_date"], p["skin_onset_date"], p["diagnosis_date"])
    for entries in case.values():
        if isinstance(entries, list):
            for entry in entries:
                yield from (entry[k] for k in ("date", "start_date", "end_date") if k in entry)


def _latest(case: dict, key: str) -> dict:
    return max(case[key], key=lambda e: e["date"])


def _positive(case: dict, antibody: str) -> bool:
    results = sorted((e["date"], e["result"]) for e in case["antibodies"]
                     if e["antibody"] == antibody)
    return bool(results) and results[-1][1] == "positive"


# --- the cohort itself (no database) -----------------------------------------------------

def test_cohort_is_deterministic_and_keeps_identities_across_days():
    again = demo_cohort(today=TODAY)
    assert again == COHORT
    later = demo_cohort(today=TODAY + dt.timedelta(days=40))
    assert [(p.mrn, p.family_name, p.given_name) for p in later] == [
        (p.mrn, p.family_name, p.given_name) for p in COHORT]


def test_at_least_40_patients_over_both_sites_with_unique_mrns():
    assert len(COHORT) >= 40
    assert set(Counter(p.site_code for p in COHORT)) == set(SITES)
    assert len({(p.site_code, p.mrn) for p in COHORT}) == len(COHORT)


def test_every_phenotype_has_several_patients_at_both_sites():
    assert set(PHENOTYPES) >= EXPECTED_PHENOTYPES
    for label in EXPECTED_PHENOTYPES:
        patients = _of(label)
        assert len(patients) >= 2, label
        assert {p.site_code for p in patients} == set(SITES), label


def test_all_dates_lie_between_birth_and_today():
    for p in COHORT:
        birth = _d(p.case["patient"]["birth_date"])
        for day in _all_dates(p.case):
            assert birth <= _d(day) <= TODAY, (p.mrn, day)


def test_every_visit_has_a_hallmark_skin_sign():
    for p in COHORT:
        assert p.case["visits"], p.mrn
        for visit in p.case["visits"]:
            assert set(visit["skin"]) & set(HALLMARK_SKIN_SIGNS), (p.mrn, visit["date"])


def test_enzyme_results_carry_the_sex_specific_uln():
    for p in COHORT:
        ck_uln = {"female": 192, "male": 308}[p.case["patient"]["sex"]]
        for lab in p.case["labs"]:
            if lab["test"] in ENZYMES:
                assert lab["upper_limit"] > 0, (p.mrn, lab)
            if lab["test"] == "ck":
                assert lab["upper_limit"] == ck_uln


def test_onsets_are_six_months_to_five_years_back_except_where_the_phenotype_needs_more():
    for p in COHORT:
        months = _months(_d(p.case["patient"]["skin_onset_date"]), TODAY)
        if p.phenotype == "skin_only_recent":
            assert months < 6, p.mrn
        elif p.phenotype == "hcq_long_term_no_eye_exam":
            assert 60 < months < 84, p.mrn
        else:
            assert 6 <= months <= 60, (p.mrn, p.phenotype, months)


def test_mda5_patients_with_and_without_lung_baseline():
    for p in _of("mda5_with_lung_baseline"):
        assert _positive(p.case, "mda5")
        assert any("dlco_pct_predicted" in e for e in p.case["pft"]) and p.case["hrct"]
    for p in _of("mda5_without_lung_tests"):
        assert _positive(p.case, "mda5") and not p.case["pft"] and not p.case["hrct"]


def test_mda5_rpild_markers_are_recent_with_respiratory_symptoms():
    for p in _of("mda5_rpild_markers"):
        recent = [lab for lab in p.case["labs"] if (TODAY - _d(lab["date"])).days <= 90]
        latest = {lab["test"]: lab for lab in sorted(recent, key=lambda lab: lab["date"])}
        assert (latest["ferritin"]["value"] >= 1500 or latest["kl6"]["value"] > 1600), p.mrn
        assert {"dyspnea", "dry_cough"} & set(p.case["visits"][-1]["symptoms"])


def test_mda5_lung_decline_meets_the_ppf_physiological_criterion():
    for p in _of("mda5_lung_decline"):
        latest = _latest(p.case, "pft")
        earlier = [e for e in p.case["pft"]
                   if 0 < (_d(latest["date"]) - _d(e["date"])).days <= 365]
        assert any(e["fvc_pct_predicted"] - latest["fvc_pct_predicted"] >= 5
                   or e["dlco_pct_predicted"] - latest["dlco_pct_predicted"] >= 10
                   for e in earlier), p.mrn


def test_stable_lung_series_do_not_look_like_progression():
    for p in _of("mda5_with_lung_baseline") + _of("ild_without_mda5"):
        values = p.case["pft"]
        for a in values:
            for b in values:
                if 0 < (_d(b["date"]) - _d(a["date"])).days <= 365:
                    assert a["fvc_pct_predicted"] - b["fvc_pct_predicted"] < 5
                    assert a["dlco_pct_predicted"] - b["dlco_pct_predicted"] < 10


def test_ild_without_mda5_and_exertional_desaturation():
    for p in _of("ild_without_mda5") + _of("exertional_desaturation"):
        assert any(e["ild"] for e in p.case["hrct"]) and not _positive(p.case, "mda5")
    for p in _of("exertional_desaturation"):
        walk = _latest(p.case, "six_minute_walk")
        assert walk["spo2_nadir"] <= 88 < walk["spo2_rest"]


def test_cancer_risk_phenotypes():
    tif1g = _of("tif1g_positive")
    assert all(_positive(p.case, "tif1g") for p in tif1g)
    ages = [_age(_d(p.case["patient"]["birth_date"]), _d(p.case["patient"]["skin_onset_date"]))
            for p in tif1g]
    assert sum(age > 40 for age in ages) >= 2
    assert all(_positive(p.case, "nxp2") for p in _of("nxp2_positive"))
    assert all(p.case["patient"]["sex"] == "male" for p in _of("male"))
    assert all(p.case["patient"]["refractory_disease"] for p in _of("refractory"))
    assert all(any("skin_ulceration" in v["skin"] for v in p.case["visits"])
               for p in _of("skin_ulceration"))
    assert all(any("dysphagia_moderate_severe" in v["symptoms"] for v in p.case["visits"])
               for p in _of("dysphagia_moderate_severe"))


def test_recorded_amyopathic_patients_whose_label_no_longer_fits():
    for p in _of("ck_rise_amyopathic"):
        assert p.case["patient"]["recorded_subtype"] == "amyopathic"
        cks = sorted((lab["date"], lab["value"], lab["upper_limit"])
                     for lab in p.case["labs"] if lab["test"] == "ck")
        assert cks[-1][1] > cks[-1][2] and all(value <= uln for _, value, uln in cks[:-2])
        assert not any(v["weakness"] for v in p.case["visits"])
    for p in _of("mri_oedema_amyopathic"):
        assert p.case["patient"]["recorded_subtype"] == "amyopathic"
        assert any(m["kind"] == "mri" and m["abnormal"] for m in p.case["muscle_studies"])
    for p in _of("weakness_appeared"):
        assert p.case["patient"]["recorded_subtype"] == "amyopathic"
        assert not p.case["visits"][0]["weakness"] and p.case["visits"][-1]["weakness"]


def test_stable_amyopathic_and_recent_skin_only():
    for p in _of("stable_amyopathic"):
        assert _months(_d(p.case["patient"]["skin_onset_date"]), TODAY) > 24
        assert all(lab["value"] <= lab["upper_limit"]
                   for lab in p.case["labs"] if lab["test"] in ENZYMES)
        assert not any(v["weakness"] for v in p.case["visits"])
        assert not any(m["abnormal"] for m in p.case["muscle_studies"])
    for p in _of("juvenile_onset"):
        patient = p.case["patient"]
        assert _age(_d(patient["birth_date"]), _d(patient["skin_onset_date"])) < 18


def _hcq(case: dict) -> dict:
    return next(m for m in case["medications"] if m["drug"] == "hydroxychloroquine")


def test_hydroxychloroquine_phenotypes():
    for p in _of("hcq_high_dose"):
        assert _hcq(p.case)["dose_mg_per_day"] / p.case["visits"][-1]["weight_kg"] > 5.0
    for p in _of("hcq_long_term_no_eye_exam"):
        start = _d(_hcq(p.case)["start_date"])
        assert (TODAY - start).days > 5 * 365
        assert all((TODAY - _d(e["date"])).days > 365 for e in p.case["eye_exams"])
    for p in _of("hcq_with_eye_exams"):
        assert len(p.case["eye_exams"]) >= 2


def test_other_hcq_users_stay_within_5_mg_per_kg():
    for p in COHORT:
        if p.phenotype == "hcq_high_dose":
            continue
        for med in p.case["medications"]:
            if med["drug"] == "hydroxychloroquine" and "end_date" not in med:
                assert med["dose_mg_per_day"] / p.case["visits"][-1]["weight_kg"] <= 5.0


# --- the command ----------------------------------------------------------------------------

def _clinical_counts() -> dict[str, int]:
    labels = ("cadm", "monitoring", "screening")
    return {model._meta.label: model.objects.count()
            for model in apps.get_models() if model._meta.app_label in labels}


def _run(**options) -> str:
    out = StringIO()
    call_command("load_demo", today=TODAY, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_load_demo_twice_creates_the_cohort_once(rf):
    first = _run()
    counts, users = _clinical_counts(), User.objects.count()
    second = _run()

    assert f"Demo patients created: {len(COHORT)}" in first
    assert "Nothing to create" in second and f"all {len(COHORT)}" in second
    assert _clinical_counts() == counts and User.objects.count() == users == len(USERS)
    assert Patient.objects.count() == len(COHORT) >= 40
    assert set(Patient.objects.values_list("site__code", flat=True)) == set(SITES)
    loaded = set(Patient.objects.values_list("site__code", "mrn"))
    for label in EXPECTED_PHENOTYPES:
        assert {(p.site_code, p.mrn) for p in _of(label)} <= loaded, label
    for text in (first, second):
        assert "http://127.0.0.1:8000/accounts/login/" in text
        assert all(name in text for name in USERS) and settings.DEMO_PASSWORD in text

    for username, (role, sites) in USERS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert set(user.sites.values_list("code", flat=True)) == sites
        request = rf.post("/accounts/login/")
        assert authenticate(request, username=username,
                            password=settings.DEMO_PASSWORD) == user

    derm = User.objects.get(username="derm")
    seen = patient_list_for(user=derm)
    assert seen.count() == Patient.objects.filter(site__code="north").count() > 0
    assert set(seen.values_list("site__code", flat=True)) == {"north"}


@pytest.mark.django_db
def test_load_demo_resets_a_changed_demo_password(rf):
    _run()
    user = User.objects.get(username="rheum")
    user.set_password("something-else")
    user.save()
    _run()
    assert authenticate(rf.post("/accounts/login/"), username="rheum",
                        password=settings.DEMO_PASSWORD) is not None
