"""Item 5 of issue 9 through the pages: edit a visit, mark it entered in error, see it struck
through on the timeline; a concurrent edit is refused, never silently overwritten."""

import datetime as dt

from django.urls import reverse

from cadm.services.visits import visit_update
from tests.factories import LabResultFactory, UserFactory, VisitFactory


def edit_url(visit):
    return reverse("visit-edit", args=[visit.patient.public_id, visit.public_id])


def error_url(visit):
    return reverse("visit-entered-in-error", args=[visit.patient.public_id, visit.public_id])


def page(client, patient) -> str:
    return client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()


def form_data(visit, **changes) -> dict:
    data = {"visit_on": visit.visit_on.isoformat(), "skin": visit.skin,
            "weakness": visit.weakness, "symptoms": visit.symptoms,
            "assessed": ["skin", "strength", "symptoms"], "notes": visit.notes,
            "row_version": visit.row_version}
    return {**data, **changes}


def test_a_rheumatologist_corrects_a_wrongly_ticked_weakness(rheum_client, patient):
    visit = VisitFactory(patient=patient, weakness=["proximal_upper"])
    assert "Edit visit" in page(rheum_client, patient)
    form = rheum_client.get(edit_url(visit)).content.decode()
    assert 'value="proximal_upper" id="id_weakness_0" checked' in form
    response = rheum_client.post(edit_url(visit), form_data(visit, weakness=[]))
    assert response.status_code == 302, response.content.decode()[:2000]
    visit.refresh_from_db()
    assert visit.weakness == [] and visit.row_version == 2
    assert "Weakness: none" in page(rheum_client, patient)


def test_a_stale_form_is_refused_and_keeps_what_the_user_typed(rheum_client, patient):
    visit = VisitFactory(patient=patient, notes="first")
    stale = form_data(visit, notes="mine")
    colleague = UserFactory(username="rheum2", role="rheumatologist", sites=[patient.site])
    visit_update(actor=colleague, visit=visit, data={"notes": "theirs"}, expected_version=1)
    response = rheum_client.post(edit_url(visit), stale)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not saved" in body and "Notes: now theirs" in body and "mine</textarea>" in body
    visit.refresh_from_db()
    assert visit.notes == "theirs"
    # Saving again after seeing the change is a deliberate choice: the form now carries v2.
    assert 'name="row_version" value="2"' in body


def test_marking_the_whole_visit_strikes_it_through(rheum_client, patient):
    visit = VisitFactory(patient=patient)
    response = rheum_client.post(error_url(visit), {"reason": "wrong patient"})
    assert response.status_code == 302
    body = page(rheum_client, patient)
    assert "Entered in error: wrong patient" in body
    assert 'class="entry entry-visit in-error"' in body
    assert rheum_client.get(edit_url(visit)).status_code == 403


def test_no_reason_or_a_nul_character_changes_nothing(rheum_client, patient):
    visit = VisitFactory(patient=patient)
    for reason in ("", "   ", "bad\x00reason"):
        response = rheum_client.post(error_url(visit), {"reason": reason})
        assert response.status_code in (302, 400)
        visit.refresh_from_db()
        assert visit.status == "final"


def test_a_dermatologist_edits_skin_visits_only(derm_client, patient):
    skin_only = VisitFactory(patient=patient, assessed=["skin"])
    full = VisitFactory(patient=patient)
    assert derm_client.get(edit_url(skin_only)).status_code == 200
    assert derm_client.get(edit_url(full)).status_code == 403
    response = derm_client.post(edit_url(skin_only), {
        "visit_on": skin_only.visit_on.isoformat(), "skin": ["gottron_sign"], "notes": "",
        "row_version": 1})
    assert response.status_code == 302
    skin_only.refresh_from_db()
    assert skin_only.skin == ["gottron_sign"] and skin_only.assessed == ["skin"]


def test_another_sites_visit_is_not_found(client, outsider, patient):
    visit = VisitFactory(patient=patient)
    client.force_login(outsider)
    assert client.get(edit_url(visit)).status_code == 404
    assert client.post(error_url(visit), {"reason": "x"}).status_code == 404


def test_the_date_field_is_locked_when_results_came_with_the_visit(rheum_client, patient):
    visit = VisitFactory(patient=patient)
    LabResultFactory(patient=patient, visit=visit)
    body = rheum_client.get(edit_url(visit)).content.decode()
    assert "keep its date" in body
    response = rheum_client.post(edit_url(visit), form_data(visit, visit_on="2025-02-02"))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.visit_on == dt.date(2025, 1, 20)
