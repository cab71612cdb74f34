"""The worklist writes its rows and selects in Python (cheaper than the template engine per
row): what it writes must be what Django's tags and widgets wrote, and the rows' query must
stay narrow."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django import forms
from django.http import QueryDict
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

from cadm.forms.plain_select import PlainSelect
from cadm.selectors.flags import WorklistFilter, flag_list_for
from cadm.views.worklist_rows import _patient_flags_link, worklist_rows
from tests.cadm.views.test_worklist_search_sort import make_flag
from tests.factories import PatientFactory

PATIENT = "0f3c2a1e-5b7d-4c1e-9a8b-123456789abc"


def tag_link(query: str) -> str:
    """What `{% querystring %}` wrote for the link to a patient's live flags."""
    template = engines["django"].from_string(
        "{% autoescape off %}{% querystring patient=p state='live' severity=None code=None "
        "age=None q=None page=None %}{% endautoescape %}")
    return template.render({"p": PATIENT}, RequestFactory().get("/flags/?" + query))


@pytest.mark.parametrize("query", [
    "", "state=open", "sort=-patient", "page=3&sort=code", "severity=info&code=A&age=7&q=tok",
    "patient=x&state=all&sort=site", "sort=site&patient=x", "site=1&site=2&sort=%C3%A9&page=2",
    "state=live&patient=x", "a=1&b=<b>&c=%26",
])
def test_the_patient_flags_link_is_the_querystring_tags(query):
    assert _patient_flags_link(QueryDict(query))(PATIENT) == tag_link(query)


class _Tags(HTMLParser):
    """The tags, attributes (in any order) and text of a fragment; whitespace ignored."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tokens.append((tag, sorted(attrs)))

    def handle_endtag(self, tag):
        self.tokens.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.tokens.append(data.strip())


@pytest.mark.parametrize(("choices", "value", "attrs"), [
    ([("", "Any"), ("a", "A & B"), ("b", "<b>")], "a", {"id": "id_x"}),
    ([("", "Any"), (1, "One"), (2, "Two")], 2, {"id": "id_x", "aria-invalid": "true",
                                                "aria-describedby": "id_x_error"}),
    ([("g", [("1", "x"), ("2", 'y"')]), ("3", "z")], None, {"required": True, "hidden": False}),
])
def test_plain_select_writes_djangos_select(choices, value, attrs):
    ours = PlainSelect(choices=choices).render("x", value, attrs)
    django = forms.Select(choices=choices).render("x", value, attrs)
    assert _Tags(ours).tokens == _Tags(django).tokens


@pytest.mark.django_db
def test_rows_read_only_what_they_show(dermatologist, patient, django_assert_num_queries):
    """No JSON column (a flag's evidence, a rule set's params) is read for a row, and a row
    reads nothing more once its page is fetched."""
    make_flag(patient, "A", severity="critical")
    make_flag(PatientFactory(site=patient.site, created_by=patient.created_by), "B")
    worklist = WorklistFilter(QueryDict(), queryset=flag_list_for(user=dermatologist),
                              user=dermatologist, today=timezone.localdate())
    rows = worklist.rows()
    sql = str(rows.query)
    for column in ("evidence", "detail", "citation", "params", "change_note", "notes"):
        assert f'."{column}"' not in sql
    with django_assert_num_queries(1):
        html = worklist_rows(list(rows), query=QueryDict(), narrowed=False)
    assert len(html) == 2 and 'class="sev sev-critical">Critical</span>' in html[0]
    assert patient.site.name in html[0] and "v1</td>" in html[0]
