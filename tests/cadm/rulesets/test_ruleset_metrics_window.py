"""Rule metrics over a chosen window of days (issue 10, item 7): actions counted when taken in
the window, patients when their firing span overlaps it, the median over flags opened in it;
a refused date answers 400 naming the field, the value and what is accepted."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadm.forms.metrics import MetricsWindowForm
from cadm.models import Flag, FlagAction, RuleFiring
from cadm.selectors.metrics import Window, rule_metrics
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MARKERS = "MDA5_RPILD_MARKERS"
JAN, FEB, MAR = dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)


def noon(day, hours=0):
    return dt.datetime.combine(day, dt.time(12), tzinfo=UTC) + dt.timedelta(hours=hours)


def act(flag, kind, at, ruleset, reason=""):
    action = FlagAction.objects.create(flag=flag, kind=kind, ruleset=ruleset, reason=reason)
    FlagAction.objects.filter(pk=action.pk).update(at=at)  # `at` is auto_now_add
    return action


def flag_fired(patient, ruleset, opened, first, last, code=MARKERS):
    """A flag opened at `opened`, and the firing row of evaluations from `first` to `last`."""
    flag = Flag.objects.create(
        patient=patient, code=code, severity="warning", severity_rank=1, summary=code,
        detail="synthetic", citation="synthetic", evidence_label="VERIFIED-S",
        evidence_digest=code, ruleset=ruleset, opened_at=opened, updated_at=opened)
    act(flag, "opened", opened, ruleset)
    RuleFiring.objects.create(ruleset=ruleset, code=code, patient=patient, first_at=first,
                              last_at=last, first_as_of=first.date(), last_as_of=last.date())
    return flag


@pytest.fixture
def history(site, v1):
    """p1 fires from January to March, acknowledged 2 h after opening; p2 fires in February
    only, acknowledged after 6 h, dismissed in March; p3 fires in January only, never
    acknowledged."""
    p1, p2, p3 = (PatientFactory(site=site) for _ in range(3))
    f1 = flag_fired(p1, v1, noon(JAN), noon(JAN), noon(MAR))
    act(f1, "acknowledged", noon(JAN, 2), v1)
    f2 = flag_fired(p2, v1, noon(FEB), noon(FEB), noon(FEB))
    act(f2, "acknowledged", noon(FEB, 6), v1)
    act(f2, "dismissed", noon(MAR), v1, reason="need-more-info")
    flag_fired(p3, v1, noon(JAN), noon(JAN), noon(JAN, 1))
    return v1


def counts(metrics):
    return {code: (m.firings, m.acknowledgements, m.dismissal_total, m.patients,
                   m.median_hours_to_ack) for code, m in metrics.items()}


@pytest.mark.parametrize(("start", "end", "expected"), [
    (None, None, (3, 2, 1, 3, 4.0)),
    (dt.date(2026, 2, 1), dt.date(2026, 2, 28), (1, 1, 0, 2, 6.0)),
    (None, JAN, (2, 1, 0, 2, 2.0)),
    (MAR, None, (0, 0, 1, 1, None)),
    (FEB, FEB, (1, 1, 0, 2, 6.0)),
], ids=["all time", "february", "up to 10 January", "from 10 March", "one day"])
def test_each_metric_follows_its_own_rule_in_the_window(history, start, end, expected):
    assert counts(rule_metrics(history, Window(start, end))) == {MARKERS: expected}


def test_a_window_without_activity_has_no_rule(history):
    assert rule_metrics(history, Window(dt.date(2026, 6, 1), None)) == {}


def test_the_last_day_is_counted_to_its_last_minute(history):
    """Days are UTC days, both ends included: 23:30 on the last day is in, midnight after
    is not."""
    flag = Flag.objects.get(patient=RuleFiring.objects.get(last_at=noon(JAN, 1)).patient)
    act(flag, "acknowledged", noon(JAN, 11.5), history)
    act(flag, "acknowledged", noon(JAN, 12), history)
    assert rule_metrics(history, Window(JAN, JAN))[MARKERS].acknowledgements == 2


def test_the_window_takes_the_same_five_queries(history, django_assert_num_queries):
    with django_assert_num_queries(5):
        rule_metrics(history, Window(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))


# The form.

@pytest.mark.parametrize(("data", "field", "message"), [
    ({"start": "2026-02-30"}, "start",
     "From: '2026-02-30' is not a valid date; accepted: a date as YYYY-MM-DD."),
    ({"end": "tomorrow"}, "end",
     "To: 'tomorrow' is not a valid date; accepted: a date as YYYY-MM-DD."),
    ({"start": "1999-12-31"}, "start",
     "From: '1999-12-31' is outside the accepted range; accepted: a date as YYYY-MM-DD from "
     "2000-01-01 to 2099-12-31."),
    ({"end": "9999-12-31"}, "end",
     "To: '9999-12-31' is outside the accepted range; accepted: a date as YYYY-MM-DD from "
     "2000-01-01 to 2099-12-31."),
    ({"start": "2026-03-01", "end": "2026-02-01"}, "end",
     "To: '2026-02-01' is before From (2026-03-01); accepted: a date as YYYY-MM-DD on or "
     "after 2026-03-01, or empty."),
])
def test_a_refused_window_names_the_field_the_value_and_what_is_accepted(data, field,
                                                                         message):
    form = MetricsWindowForm(data)
    assert not form.is_valid()
    assert form.errors == {field: [message]}


def test_both_dates_are_optional():
    form = MetricsWindowForm({})
    assert form.is_valid() and form.window() == Window()


# The version page.

def detail(client, **params):
    return client.get(reverse("ruleset-detail", args=[1]), params)


def test_the_page_counts_over_the_window(client, rules_admin, history):
    client.force_login(rules_admin)
    response = detail(client, start="2026-02-01", end="2026-02-28")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Rule metrics under v1, from 2026-02-01 to 2026-02-28" in body
    row = body.split('class="grid rs-metrics"')[1].split("</table>")[0]
    assert '<td class="num">1</td><td class="num">2</td><td class="num">1</td>' in row
    assert "6.0 h" in row
    assert "whose span from the first to the last such evaluation overlaps the window" in body
    assert 'value="2026-02-01"' in body and 'value="2026-02-28"' in body


def test_the_page_without_a_window_counts_everything(client, rules_admin, history):
    client.force_login(rules_admin)
    body = detail(client).content.decode()
    assert "Rule metrics under v1</h2>" in body and "within the window" not in body
    assert "Patients: distinct patients for whom an evaluation with this version fired" in body


def test_the_page_says_when_nothing_happened_in_the_window(client, rules_admin, history):
    client.force_login(rules_admin)
    body = detail(client, start="2026-06-01").content.decode()
    assert "Nothing happened under v1 from 2026-06-01." in body


@pytest.mark.parametrize("params", [
    {"start": "2026-02-30"}, {"start": "2026-03-01", "end": "2026-02-01"},
    {"end": "9999-12-31"}, {"start": "0000-00-00"},
])
def test_a_refused_window_answers_400_with_the_message(client, rules_admin, history, params):
    client.force_login(rules_admin)
    response = detail(client, **params)
    body = response.content.decode()
    assert response.status_code == 400
    assert '<p class="error" role="alert" id="id_' in body
    assert "accepted: a date as YYYY-MM-DD" in body
    assert "Nothing counted: correct the dates above." in body
    assert "Parameters by rule" in body  # the rest of the page is there


def test_the_window_keeps_the_compared_version(client, rules_admin, history):
    client.force_login(rules_admin)
    body = detail(client, against="1", start="2026-02-01").content.decode()
    section = body.split('<section id="metrics">')[1].split("</section>")[0]
    assert '<input type="hidden" name="against" value="1">' in section


def test_the_page_takes_the_same_queries_whatever_the_window_and_the_data(
        client, rules_admin, history, site, django_assert_num_queries):
    client.force_login(rules_admin)
    with CaptureQueriesContext(connection) as plain:
        detail(client)
    for _ in range(5):
        patient = PatientFactory(site=site)
        flag = flag_fired(patient, history, noon(FEB), noon(FEB), noon(MAR), code="X")
        act(flag, "acknowledged", noon(FEB, 1), history)
    with django_assert_num_queries(len(plain.captured_queries)):
        detail(client, start="2026-02-01", end="2026-02-28")
    with django_assert_num_queries(len(plain.captured_queries) - 5):
        assert detail(client, start="2026-02-30").status_code == 400
