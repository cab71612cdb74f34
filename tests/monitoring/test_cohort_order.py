"""The lung cohort's lists, paged in SQL from the keys each evaluation stores, hold the same
patients in the same order, with the same rows, as deciding them in Python from every
patient's results (the page before issue 13, kept here as the reference), on the demo cohort
with clinicians' judgements added, on the day it was evaluated and on later days (the keys
are dates the page compares with its own day)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cadm.models import Patient, RecordStatus, Site
from cadm.rules.criteria import lung as lung_rules
from cadm.rules.criteria.common import antibody_status, first_positive
from cadm.selectors.cohort_facts import cohort_facts
from cadm.selectors.rulesets import ruleset_active
from monitoring import cohort as page
from monitoring import schedule as sch
from monitoring.models import LungStatus, PpfAssessment
from tests.factories import UserFactory
from tests.monitoring.lung_data import sweep

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the loader evaluates as of the real today, after commit
LATER = (0, 1, 45, 120, 200, 400)
STATUSES = {0: {"baseline_missing", "due_soon", "scheduled"},
            120: {"baseline_missing", "due_soon", "scheduled", "overdue"}}
# (a PPF 2022 decline, a judgement of radiological progression, anti-MDA5 positive)
PROGRESSION = {0: {(True, False, True), (True, True, True), (False, True, True),
                   (False, True, False)}}


def reference(patients, judgements, params, day):
    """The lists as the page decided them before: the engine's schedule of every anti-MDA5
    positive patient, the decline table of every patient, sorted in Python."""
    since = day - timedelta(days=params["lung.decline_window_days"])
    facts = cohort_facts(patients)
    positive, mda5, progression = set(), [], []
    for p in patients:
        every = facts[p.pk]
        latest = antibody_status(every).get("mda5")
        f = every.up_to(day)
        first = first_positive(f, "mda5")
        if latest and latest.result == "positive":
            positive.add(p.pk)
            if first:
                view = sch.schedule_view(lung_rules.surveillance(f, params, day), params, day,
                                         mda5_first_positive=first.date, mda5_positive=True)
                last = f.pft[-1].date if f.pft else None
                days = (day - last).days if last else None
                mda5.append(((not view.overdue, last is not None, -(days or 0), p.family_name,
                              p.pk), (p.pk, first.date, last, days, view)))
        hits = [r for r in sch.decline_table(f.pft, params)
                if r.earlier and r.later.date >= since and r.ppf_physiological]
        judged = max((j.observed_on for j in judgements.get(p.pk, ())
                      if since <= j.observed_on <= day), default=None)
        if hits or judged:
            progression.append((p.pk, hits[0] if hits else None, judged, p.family_name))
    ranked = []
    for pid, decline, judged, name in progression:
        latest_on = max(d for d in (decline.later.date if decline else None, judged) if d)
        ranked.append(((pid not in positive, -latest_on.toordinal(), name, pid),
                       (pid, decline, judged, pid in positive)))
    return [shown for _, shown in sorted(mda5)], [shown for _, shown in sorted(ranked)]


def decline_shown(d):
    return None if d is None else (d.later, d.earlier, d.criteria)


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the loader's evaluations
        call_command("load_demo", today=TODAY.isoformat(), stdout=None)
    patients = list(Patient.objects.order_by("pk"))
    assert LungStatus.objects.filter(as_of=TODAY).count() == len(patients) >= 40
    # Judgements the demo has not: in the window or not, entered in error, no progression.
    for n, p in enumerate(patients[::3]):
        PpfAssessment.objects.create(
            patient=p, observed_on=TODAY - timedelta(days=(37 * n) % 500),
            worsening_symptoms=n % 2 == 0, radiological_progression=n % 4 != 3,
            status=RecordStatus.ENTERED_IN_ERROR if n % 5 == 4 else RecordStatus.FINAL,
            recorded_by=p.created_by)
    sweep(TODAY)  # as recording them would: here, the cohort path
    return patients


def test_the_same_lists_as_deciding_them_for_every_patient(demo, monkeypatch):
    monkeypatch.setattr(page, "PAGE_SIZE", 1000)
    params = ruleset_active().params
    user = UserFactory(role="rheumatologist", sites=list(Site.objects.all()))
    judgements = {}
    for j in PpfAssessment.objects.filter(radiological_progression=True).exclude(
            status=RecordStatus.ENTERED_IN_ERROR):
        judgements.setdefault(j.patient_id, []).append(j)
    for later in LATER:
        day = TODAY + timedelta(days=later)
        mda5, progression = reference(demo, judgements, params, day)
        cohort = page.lung_cohort_for(user=user, site=None, as_of=day)
        assert [(r.patient.pk, r.first_positive_on, r.last_pft, r.days_since_pft, r.schedule)
                for r in cohort.mda5] == mda5, later
        assert [(r.patient.pk, decline_shown(r.decline), r.imaging_on, r.mda5_positive)
                for r in cohort.progression] == [
            (pid, decline_shown(d), judged, positive)
            for pid, d, judged, positive in progression], later
        # The cohort exercises every kind of row of both lists.
        statuses = {r.schedule.status for r in cohort.mda5}
        assert STATUSES.get(later, set()) <= statuses, (later, statuses)
        kinds = {(r.decline is not None, r.imaging_on is not None, r.mda5_positive)
                 for r in cohort.progression}
        assert PROGRESSION.get(later, set()) <= kinds, (later, kinds)
        assert cohort.not_evaluated == 0


def test_pages_of_the_lists_are_slices_of_the_whole(demo, monkeypatch):
    """Paged in SQL: each page is the next slice of the same order, none repeated."""
    user = UserFactory(role="rheumatologist", sites=list(Site.objects.all()))
    monkeypatch.setattr(page, "PAGE_SIZE", 1000)
    whole = page.lung_cohort_for(user=user, site=None, as_of=TODAY)
    monkeypatch.setattr(page, "PAGE_SIZE", 4)
    for key in ("mda5", "progression"):
        ids, number = [], 1
        while True:
            cohort = page.lung_cohort_for(user=user, site=None, as_of=TODAY,
                                          **{f"{key}_page": number})
            shown = getattr(cohort, key)
            ids += [r.patient.pk for r in shown]
            if not shown.has_next():
                break
            number += 1
        assert number > 2, key
        assert ids == [r.patient.pk for r in getattr(whole, key)], key


def test_a_site_is_its_own_patients_only(demo, monkeypatch):
    monkeypatch.setattr(page, "PAGE_SIZE", 1000)
    user = UserFactory(role="rheumatologist", sites=list(Site.objects.all()))
    whole = page.lung_cohort_for(user=user, site=None, as_of=TODAY)
    for site in Site.objects.all():
        cohort = page.lung_cohort_for(user=user, site=site, as_of=TODAY)
        for key in ("mda5", "progression"):
            assert [r.patient.pk for r in getattr(cohort, key)] == [
                r.patient.pk for r in getattr(whole, key) if r.patient.site_id == site.pk]

