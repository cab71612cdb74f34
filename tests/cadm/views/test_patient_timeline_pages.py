"""The patient page's timeline comes TIMELINE_DAYS days at a time, newest first, with links
to older and newer days; the rules still read the whole history."""

import datetime as dt
import re

from django.urls import reverse

from cadm.models import LabResult
from cadm.views.patients import TIMELINE_DAYS
from tests.factories import LabResultFactory, VisitFactory

FIRST = dt.date(2024, 1, 10)


def days_shown(client, patient, **query) -> tuple[list[str], str]:
    response = client.get(reverse("patient-detail", args=[patient.public_id]), query)
    assert response.status_code == 200
    body = response.content.decode()
    return re.findall(r"<li><h3>(\d{4}-\d\d-\d\d)</h3>", body), body


def history(patient, days: int) -> list[str]:
    """A visit a month, each with a CK on its day; and one CK alone, the newest day."""
    dates = [FIRST + dt.timedelta(days=30 * n) for n in range(days - 1)]
    for day in dates:
        LabResultFactory(patient=patient, observed_on=day,
                         visit=VisitFactory(patient=patient, visit_on=day))
    alone = dates[-1] + dt.timedelta(days=3)
    LabResultFactory(patient=patient, observed_on=alone)
    return [day.isoformat() for day in sorted([*dates, alone], reverse=True)]


def test_the_newest_days_first_then_the_older_ones(rheum_client, patient):
    expected = history(patient, TIMELINE_DAYS + 2)
    first, body = days_shown(rheum_client, patient)
    assert first == expected[:TIMELINE_DAYS]
    assert f"days 1 to {TIMELINE_DAYS} of {TIMELINE_DAYS + 2}" in body
    assert 'href="?timeline=2#timeline">Older entries</a>' in body and "Newer entries" not in body
    second, body = days_shown(rheum_client, patient, timeline=2)
    assert second == expected[TIMELINE_DAYS:]
    assert 'href="?timeline=1#timeline">Newer entries</a>' in body and "Older entries" not in body
    # A day's rows stay together on one page: its visit and the CK recorded at it.
    assert body.count('class="entry entry-visit"') == body.count('class="entry entry-labs') == 2


def test_the_rules_read_the_whole_history_whatever_the_page(rheum_client, patient):
    """The oldest visit (on page 2) still counts in the derived classification shown on
    page 1: the skin disease's months run from the first record."""
    history(patient, TIMELINE_DAYS + 2)
    _, first = days_shown(rheum_client, patient)
    _, second = days_shown(rheum_client, patient, timeline=2)
    derived = re.compile(r'<section class="derived">.*?</section>', re.S)
    assert derived.search(first).group() == derived.search(second).group()


def test_a_short_history_has_no_pager(rheum_client, patient):
    VisitFactory(patient=patient, visit_on=FIRST)
    shown, body = days_shown(rheum_client, patient)
    assert shown == [FIRST.isoformat()] and '<p class="pager">' not in body


def test_a_page_out_of_range_or_not_a_number_shows_a_real_page(rheum_client, patient):
    expected = history(patient, TIMELINE_DAYS + 2)
    assert days_shown(rheum_client, patient, timeline=99)[0] == expected[TIMELINE_DAYS:]
    assert days_shown(rheum_client, patient, timeline="x")[0] == expected[:TIMELINE_DAYS]


def test_a_correction_sent_from_an_older_page_comes_back_to_it(rheum_client, patient):
    history(patient, TIMELINE_DAYS + 2)
    _, body = days_shown(rheum_client, patient, timeline=2)
    forms = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', body, re.S)
    assert forms and all('name="timeline" value="2"' in fields for _, fields in forms)
    lab_error = next(action for action, _ in forms if "/results/labs/" in action)
    response = rheum_client.post(lab_error, {"reason": "wrong patient", "timeline": "2"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("patient-detail", args=[patient.public_id]) + "?timeline=2#timeline")
    visit_error = next(action for action, _ in forms if "/visits/" in action)
    response = rheum_client.post(visit_error, {"reason": "wrong patient", "timeline": "2"})
    assert response["Location"].endswith("?timeline=2#timeline")


def test_the_first_page_sends_no_page_and_anything_but_a_number_means_the_first(
        rheum_client, patient):
    history(patient, TIMELINE_DAYS + 2)
    _, body = days_shown(rheum_client, patient)
    assert 'name="timeline"' not in body
    lab = LabResult.objects.filter(patient=patient).order_by("-observed_on").first()
    url = reverse("record-entered-in-error", args=[patient.public_id, "labs", lab.public_id])
    for sent in ("1", "0", "-2", "²", "2#x", "9999999", ""):
        response = rheum_client.post(url, {"reason": "checked", "timeline": sent})
        assert response["Location"] == (
            reverse("patient-detail", args=[patient.public_id]) + "#timeline"), sent
