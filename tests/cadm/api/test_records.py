"""A patient's visits and results through the API: scoped as the patient page, UUIDs only,
entered-in-error rows marked (or left out), constant queries as the history grows."""

import datetime as dt

import pytest

from cadm.models import LabResult, RecordStatus
from cadm.sections import all_sections
from tests.factories import AntibodyFactory, LabResultFactory, PatientFactory, VisitFactory

from .conftest import query_count, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(site, rheumatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    visit = VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20), skin=["heliotrope"])
    LabResultFactory(patient=patient, visit=visit, observed_on=dt.date(2025, 1, 20))
    AntibodyFactory(patient=patient, observed_on=dt.date(2025, 1, 25))
    return patient


def test_visits_and_results_by_uuid(patient, rheumatologist):
    client = token_client(rheumatologist)
    visits = client.get(f"/api/v1/patients/{patient.public_id}/visits/").json()["results"]
    assert len(visits) == 1 and visits[0]["skin"] == ["heliotrope"]
    visit_id = visits[0]["id"]
    labs = client.get(f"/api/v1/patients/{patient.public_id}/results/labs/").json()["results"]
    assert len(labs) == 1 and labs[0]["visit"] == visit_id
    assert not {"patient", "clinicalrecord_ptr", "public_id"} & set(labs[0])
    antibodies = client.get(
        f"/api/v1/patients/{patient.public_id}/results/antibodies/").json()["results"]
    assert antibodies[0]["visit"] is None and antibodies[0]["antibody"] == "mda5"


def test_every_kind_of_result_has_its_list(patient, rheumatologist):
    client = token_client(rheumatologist)
    for section in all_sections():
        response = client.get(f"/api/v1/patients/{patient.public_id}/results/{section.key}/")
        assert response.status_code == 200, section.key


def test_entered_in_error_rows_are_marked_or_left_out(patient, rheumatologist):
    LabResult.objects.filter(patient=patient).update(status=RecordStatus.ENTERED_IN_ERROR)
    client = token_client(rheumatologist)
    url = f"/api/v1/patients/{patient.public_id}/results/labs/"
    assert client.get(url).json()["results"][0]["status"] == RecordStatus.ENTERED_IN_ERROR
    assert client.get(url, {"status": "current"}).json()["results"] == []


def test_another_sites_patient_is_a_404_and_rules_admins_are_refused(patient, other_site,
                                                                    rules_admin):
    from tests.factories import UserFactory

    outsider = UserFactory(username="south-rheum", role="rheumatologist", sites=[other_site])
    url = f"/api/v1/patients/{patient.public_id}/visits/"
    assert token_client(outsider).get(url).status_code == 404
    assert token_client(rules_admin).get(url).status_code == 403


def test_queries_do_not_grow_with_the_history(patient, rheumatologist):
    client = token_client(rheumatologist)
    urls = [f"/api/v1/patients/{patient.public_id}/visits/",
            f"/api/v1/patients/{patient.public_id}/results/labs/"]
    before = [query_count(client, url) for url in urls]
    for day in range(1, 6):
        visit = VisitFactory(patient=patient, visit_on=dt.date(2025, 2, day))
        LabResultFactory(patient=patient, visit=visit, observed_on=dt.date(2025, 2, day))
    assert [query_count(client, url) for url in urls] == before


def test_lists_filter_by_date_and_code_and_order(patient, rheumatologist):
    LabResultFactory(patient=patient, observed_on=dt.date(2025, 3, 1), analyte="crp",
                     unit="mg/L", value=5)
    client = token_client(rheumatologist)
    url = f"/api/v1/patients/{patient.public_id}/results/labs/"

    def dates(**params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        return [row["observed_on"] for row in response.json()["results"]]

    assert dates() == ["2025-03-01", "2025-01-20"]
    assert dates(ordering="observed_on") == ["2025-01-20", "2025-03-01"]
    assert dates(observed_on_after="2025-01-21") == ["2025-03-01"]
    assert dates(observed_on_before="2025-01-20") == ["2025-01-20"]
    assert dates(analyte="crp") == ["2025-03-01"]
    bad = client.get(url, {"observed_on_after": "soon", "analyte": "gold"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"observed_on_after", "analyte"}
    visits = client.get(f"/api/v1/patients/{patient.public_id}/visits/",
                        {"visit_on_after": "2025-02-01"}).json()["results"]
    assert visits == []
