import datetime as dt

import pytest
from django.urls import reverse

from cadm.models import AuditEvent, Flag, FlagAction
from cadm.services.evaluation import patient_reevaluate
from tests.factories import AntibodyFactory, LabResultFactory, PatientFactory, VisitFactory

TODAY = dt.date.today()


def make_patient(site, creator, **kw):
    patient = PatientFactory(site=site, created_by=creator, birth_date=dt.date(1990, 6, 1),
                             skin_onset_date=TODAY - dt.timedelta(days=400),
                             diagnosis_date=TODAY - dt.timedelta(days=380), **kw)
    VisitFactory(patient=patient, visit_on=TODAY - dt.timedelta(days=380),
                 skin=["heliotrope", "gottron_papules"])
    return patient


@pytest.fixture
def mda5_flag(site, rheumatologist):
    patient = make_patient(site, rheumatologist, family_name="Mdafive")
    AntibodyFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=370))
    patient_reevaluate(patient.pk)
    return Flag.objects.get(patient=patient, code="LUNG_BASELINE_MISSING")


@pytest.fixture
def reclassify_flag(site, rheumatologist):
    patient = make_patient(site, rheumatologist, family_name="Ckrise",
                           recorded_subtype="amyopathic")
    LabResultFactory(patient=patient, observed_on=TODAY - dt.timedelta(days=10), value=450)
    patient_reevaluate(patient.pk)
    return Flag.objects.get(patient=patient, code="RECLASSIFY")


def test_worklist_lists_critical_first_with_counts(derm_client, mda5_flag, reclassify_flag):
    body = derm_client.get(reverse("worklist")).content.decode()
    assert body.index("Mdafive") < body.index("Ckrise")
    assert "1 critical" in body
    assert "v1" in body


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ({"severity": "critical"}, "Mdafive", "Ckrise"),
    ({"code": "RECLASSIFY"}, "Ckrise", "Mdafive"),
    ({"age": "7"}, "nobody", "Mdafive"),
])
def test_worklist_filters(derm_client, mda5_flag, reclassify_flag, query, shown, hidden):
    body = derm_client.get(reverse("worklist"), query).content.decode()
    assert hidden not in body
    if shown != "nobody":
        assert shown in body


def test_worklist_hides_other_sites(client, outsider, mda5_flag):
    client.force_login(outsider)
    assert "Mdafive" not in client.get(reverse("worklist")).content.decode()
    assert client.get(reverse("flag-detail", args=[mda5_flag.public_id])).status_code == 404


def test_flag_page_explains(derm_client, mda5_flag):
    body = derm_client.get(reverse("flag-detail", args=[mda5_flag.public_id])).content.decode()
    assert "ACR/CHEST" in body and "VERIFIED-P" in body and "rule set v1" in body
    assert "Opened" in body and "the rules engine" in body


def test_dismiss_with_reason_removes_it_from_the_open_list(derm_client, dermatologist,
                                                           mda5_flag):
    url = reverse("flag-act", args=[mda5_flag.public_id, "dismiss"])
    response = derm_client.post(url, {"dismiss-reason": "patient-ineligible",
                                      "dismiss-comment": "on ECMO"})
    assert response["Location"] == reverse("worklist")
    mda5_flag.refresh_from_db()
    assert mda5_flag.state == "dismissed"
    action = mda5_flag.actions.last()
    assert (action.actor, action.reason, action.comment) == (dermatologist,
                                                             "patient-ineligible", "on ECMO")
    assert AuditEvent.objects.filter(action="flag.dismiss", actor=dermatologist).exists()
    link = reverse("flag-detail", args=[mda5_flag.public_id])
    assert link not in derm_client.get(reverse("worklist")).content.decode()
    dismissed = derm_client.get(reverse("worklist"), {"state": "dismissed"}).content.decode()
    assert link in dismissed


def test_dismiss_without_reason_is_refused_and_nothing_changes(derm_client, mda5_flag):
    url = reverse("flag-act", args=[mda5_flag.public_id, "dismiss"])
    response = derm_client.post(url, {"dismiss-reason": "", "dismiss-comment": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Reason: required; choose one of: " in body and "Comment: required" in body
    mda5_flag.refresh_from_db()
    assert mda5_flag.state == "open"


def test_acknowledge_snooze_and_comment(derm_client, mda5_flag):
    def act(action, **data):
        data = {f"{action}-{k}": v for k, v in data.items()}
        derm_client.post(reverse("flag-act", args=[mda5_flag.public_id, action]), data)

    act("acknowledge", comment="seen")
    act("comment", comment="phoned the patient")
    act("snooze", until=(TODAY + dt.timedelta(days=7)).isoformat(), comment="CT booked")
    mda5_flag.refresh_from_db()
    assert mda5_flag.state == "snoozed"
    kinds = list(mda5_flag.actions.values_list("kind", flat=True))
    assert kinds == ["opened", "acknowledged", "commented", "snoozed"]


def test_snooze_in_the_past_is_refused(derm_client, mda5_flag):
    response = derm_client.post(reverse("flag-act", args=[mda5_flag.public_id, "snooze"]),
                                {"snooze-until": TODAY.isoformat(), "snooze-comment": "x"})
    body = response.content.decode()
    assert response.status_code == 400 and "is outside the accepted range for a critical " \
        "flag" in body


def test_rheumatologist_accepts_reclassification(rheum_client, rheumatologist, reclassify_flag,
                                                 django_capture_on_commit_callbacks):
    patient = reclassify_flag.patient
    with django_capture_on_commit_callbacks(execute=True):
        rheum_client.post(reverse("flag-act", args=[reclassify_flag.public_id, "accept"]),
                          {"acknowledge-comment": "CK confirmed twice"})
    patient.refresh_from_db()
    assert patient.recorded_subtype == "hypomyopathic"
    assert patient.history.first().history_user == rheumatologist
    reclassify_flag.refresh_from_db()
    assert reclassify_flag.state == "resolved"
    assert reclassify_flag.actions.last().kind == FlagAction.Kind.ACCEPTED
    assert not Flag.objects.filter(patient=patient, code="RECLASSIFY").exclude(
        state="resolved").exists()


def test_rheumatologist_rejects_reclassification_with_a_reason(rheum_client, reclassify_flag):
    rheum_client.post(reverse("flag-act", args=[reclassify_flag.public_id, "reject"]),
                      {"dismiss-reason": "recipient-disagrees-evidence",
                       "dismiss-comment": "after exercise"})
    reclassify_flag.refresh_from_db()
    assert reclassify_flag.state == "dismissed"
    reclassify_flag.patient.refresh_from_db()
    assert reclassify_flag.patient.recorded_subtype == "amyopathic"


def test_dermatologist_cannot_decide_a_reclassification(derm_client, reclassify_flag):
    page = derm_client.get(reverse("flag-detail", args=[reclassify_flag.public_id]))
    assert "Accept reclassification" not in page.content.decode()
    response = derm_client.post(reverse("flag-act", args=[reclassify_flag.public_id, "accept"]),
                                {})
    assert response.status_code == 403
    reclassify_flag.patient.refresh_from_db()
    assert reclassify_flag.patient.recorded_subtype == "amyopathic"


def test_patient_page_shows_the_suggestion(rheum_client, reclassify_flag):
    body = rheum_client.get(reverse("patient-detail", args=[reclassify_flag.patient.public_id])
                            ).content.decode()
    assert "Suggestion: recorded Amyopathic DM, data say Hypomyopathic DM" in body
    assert "Accept or reject" in body


def test_worklist_query_count_is_constant(derm_client, site, rheumatologist,
                                          django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            p = make_patient(site, rheumatologist)
            AntibodyFactory(patient=p, observed_on=TODAY - dt.timedelta(days=370))
            patient_reevaluate(p.pk)
    add(1)
    with django_assert_max_num_queries(30) as few:
        derm_client.get(reverse("worklist"))
    baseline = len(few)
    add(5)
    with django_assert_max_num_queries(baseline):
        derm_client.get(reverse("worklist"))
