"""The classification-history panel's visit rows, written in Python once per page
(cadm/views/classification_rows.py): the same markup, labels and escaping as when the
template wrote them row by row; and the records as of each visit's day, sorted once
(cadm.rules.facts.facts_on_days), the same as facts.up_to(day)."""

import datetime as dt
import re

import pytest
from django.template import engines
from django.urls import reverse

from cadm.rules.facts import facts_on_days
from cadm.rules.outcomes import Classification, EularAcr
from cadm.selectors.classification_history import VisitClassification
from cadm.selectors.facts import patient_facts
from cadm.selectors.records import patient_records
from cadm.views.classification_rows import visit_rows
from tests.factories import AntibodyFactory, LabResultFactory, VisitFactory

# The row as the panel's template had it before the rows moved to Python: the reference the
# Python rows must match (apart from the amount of whitespace).
TEMPLATE_ROW = """{% load cadm_labels %}{% for row in rows %}{% with c=row.classification e=row.classification.eular_acr p=row.previous %}
      <tr class="{% if row.changes %}changed{% else %}unchanged{% endif %}">
        <th scope="row">{{ row.visit_on|date:"Y-m-d" }}<br><small>{{ row.clinician }}</small></th>
        <td class="subtype">{{ c.subtype|label:"subtype" }}{% if c.confirmation %} ({{ c.confirmation }}){% endif %}</td>
        <td class="eular"><strong>{{ e.score }}</strong> <small>{% if e.with_biopsy %}with{% else %}without{% endif %} biopsy</small><br>
          {{ e.category|label:"category" }}{% if e.subgroup %}, {{ e.subgroup|label:"subgroup" }}{% endif %}</td>
        <td class="items"><small>{% for name, points in e.items %}{{ name|label:"eular_item" }} {{ points }}{% if not forloop.last %} · {% endif %}{% empty %}none{% endfor %}</small></td>
        <td class="changes">{% if not p %}<small>earliest visit</small>{% elif not row.changes %}<small>no change</small>{% else %}
          {% if "subtype" in row.changes %}<div><strong>Subtype</strong> {{ p.subtype|label:"subtype" }} → {{ c.subtype|label:"subtype" }}</div>{% endif %}
          {% if "confirmation" in row.changes and "subtype" not in row.changes %}<div><strong>Confirmation</strong> {{ p.confirmation|default:"none" }} → {{ c.confirmation|default:"none" }}</div>{% endif %}
          {% if "score" in row.changes %}<div><strong>Score</strong> {{ p.eular_acr.score }} → {{ e.score }}</div>{% endif %}
          {% if "category" in row.changes %}<div><strong>Category</strong> {{ p.eular_acr.category|label:"category" }} → {{ e.category|label:"category" }}</div>{% endif %}
        {% endif %}</td>
      </tr>
    {% endwith %}{% endfor %}"""  # noqa: E501


def classification(subtype="amyopathic", confirmation="provisional", score=7.3,
                   category="probable", subgroup="amyopathic_dm", with_biopsy=False,
                   items=(("age_40_plus", 2.1), ("heliotrope", 3.1), ("gottron_papules", 2.1))):
    return Classification(subtype, confirmation, 8,
                          EularAcr(score, with_biopsy, category, 0.6, subgroup, items), "")


def row(current, previous=None, changes=(), clinician="Dr Rhea Umatol",
        day=dt.date(2025, 7, 1)):
    return VisitClassification(day, clinician, current, changes, previous)


def template_rows(rows) -> str:
    return engines["django"].from_string(TEMPLATE_ROW).render({"rows": rows})


def python_rows(rows) -> str:
    return "".join(visit_rows(rows))


def normal(html: str) -> str:
    """Whitespace collapsed, kept where it was: a space between inline tags shows."""
    return re.sub(r"\s+", " ", html).strip()


def changes_cell(html: str) -> str:
    """The cell's lines (one `<div>` each), without the space between them."""
    cell = html.split('<td class="changes">', 1)[1].split("</td>", 1)[0]
    return re.sub(r">\s+<", "><", normal(cell))


PROBABLE = classification()
DEFINITE = classification(score=10.6, category="definite")
CLASSIC = classification(subtype="classic_dm", confirmation=None, score=11.3,
                         category="definite", subgroup="dm")
CONFIRMED = classification(confirmation="confirmed")

CASES = {
    "earliest visit": row(PROBABLE),
    "no change": row(PROBABLE, PROBABLE),
    "subtype (its confirmation not listed)": row(CLASSIC, DEFINITE,
                                                 ("subtype", "confirmation", "score")),
    "confirmation alone": row(CONFIRMED, PROBABLE, ("confirmation",)),
    "confirmation to none": row(classification(confirmation=None), PROBABLE, ("confirmation",)),
    "score and category": row(DEFINITE, PROBABLE, ("score", "category")),
    "score alone": row(classification(score=7.5), PROBABLE, ("score",)),
    "no item, no subgroup, with biopsy": row(classification(
        subtype="undetermined", confirmation=None, score=0, category="not_iim", subgroup=None,
        with_biopsy=True, items=())),
    "codes without a label": row(classification(subtype="<b>new</b>", category="odd&cat",
                                                items=(("new_item<", 1.0),)),
                                 clinician='<script>alert("x")</script> O\'Neil & co'),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rows_are_the_templates_rows(case):
    assert normal(python_rows([case])) == normal(template_rows([case]))


def test_many_rows_in_order_match_the_template():
    rows = list(CASES.values())
    assert normal(python_rows(rows)) == normal(template_rows(rows))
    assert len(visit_rows(rows)) == len(rows)


def test_earliest_visit_and_no_change():
    assert changes_cell(python_rows([CASES["earliest visit"]])) == \
        "<small>earliest visit</small>"
    assert changes_cell(python_rows([CASES["no change"]])) == "<small>no change</small>"
    assert '<tr class="unchanged">' in python_rows([CASES["no change"]])


def test_a_change_of_subtype_reads_in_words_without_its_confirmation():
    html = python_rows([CASES["subtype (its confirmation not listed)"]])
    assert '<tr class="changed">' in html
    assert changes_cell(html) == (
        "<div><strong>Subtype</strong> Amyopathic DM → Classic dermatomyositis</div>"
        "<div><strong>Score</strong> 10.6 → 11.3</div>")


def test_a_change_of_confirmation_alone():
    assert changes_cell(python_rows([CASES["confirmation alone"]])) == \
        "<div><strong>Confirmation</strong> provisional → confirmed</div>"
    assert changes_cell(python_rows([CASES["confirmation to none"]])) == \
        "<div><strong>Confirmation</strong> provisional → none</div>"


def test_changes_of_score_and_category():
    assert changes_cell(python_rows([CASES["score and category"]])) == (
        "<div><strong>Score</strong> 7.3 → 10.6</div>"
        "<div><strong>Category</strong> probable IIM → definite IIM</div>")


def test_the_visit_day_clinician_and_cells_in_words():
    html = normal(python_rows([CASES["no change"]]))
    assert '<th scope="row">2025-07-01<br><small>Dr Rhea Umatol</small></th>' in html
    assert '<td class="subtype">Amyopathic DM (provisional)</td>' in html
    assert ('<td class="eular"><strong>7.3</strong> <small>without biopsy</small><br> '
            "probable IIM, amyopathic DM</td>") in html
    assert ('<td class="items"><small>Age at onset ≥ 40 years 2.1 · Heliotrope rash 3.1 · '
            "Gottron papules 2.1</small></td>") in html
    empty = normal(python_rows([CASES["no item, no subgroup, with biopsy"]]))
    assert '<td class="items"><small>none</small></td>' in empty
    assert "<small>with biopsy</small><br> not IIM</td>" in empty


def test_every_value_is_escaped():
    html = python_rows([CASES["codes without a label"]])
    assert "<script>" not in html and "<b>" not in html
    assert ("<small>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Neil &amp; co"
            "</small>") in html
    assert '<td class="subtype">&lt;b&gt;new&lt;/b&gt; (provisional)</td>' in html
    assert "odd&amp;cat" in html and "new_item&lt; 1.0" in html


def test_the_page_shows_the_rows_with_their_headers(rheum_client, patient):
    patient.created_by.first_name, patient.created_by.last_name = "Ann", "<Smith>"
    patient.created_by.save()
    VisitFactory(patient=patient, visit_on=dt.date(2025, 1, 20), clinician=patient.created_by,
                 skin=["heliotrope", "gottron_papules"])
    VisitFactory(patient=patient, visit_on=dt.date(2025, 7, 1), clinician=patient.created_by,
                 skin=["heliotrope", "gottron_papules", "gottron_sign"])
    body = rheum_client.get(reverse("patient-detail", args=[patient.public_id])).content.decode()
    panel = normal(body.split('id="panel-classification-history"', 1)[1]
                   .split("</section>", 1)[0])
    assert panel.count('<th scope="row">') == 2
    assert panel.count('<th scope="col">') == 5
    assert '<tr class="changed"> <th scope="row">2025-07-01<br><small>Ann &lt;Smith&gt;' in panel
    assert '<tr class="unchanged"> <th scope="row">2025-01-20' in panel
    assert "<strong>Score</strong> 7.3 → 10.6" in panel


def test_facts_on_each_day_are_the_facts_up_to_that_day(patient):
    days = [dt.date(2025, 1, 20), dt.date(2025, 3, 1), dt.date(2025, 7, 1)]
    for day in days:
        VisitFactory(patient=patient, visit_on=day, skin=["heliotrope"])
    # Results before, between, on and after the visits, some on one day in no date order.
    for day in (dt.date(2025, 7, 1), dt.date(2024, 12, 1), dt.date(2025, 3, 1),
                dt.date(2025, 3, 1), dt.date(2025, 5, 5), dt.date(2025, 9, 9)):
        LabResultFactory(patient=patient, observed_on=day)
    AntibodyFactory(patient=patient)
    facts = patient_facts(patient, patient_records(patient))
    on_days = facts_on_days(facts, days + days[:1])
    assert list(on_days) == days
    for day in days:
        assert on_days[day] == facts.up_to(day)
    assert facts_on_days(facts, []) == {}
