"""Build the POST body of the visit and results pages as a browser would send it untouched."""

import datetime as dt

from django.forms import formset_factory

from cadm.sections import all_sections, get_section


def blank_section(section, patient) -> dict:
    factory = formset_factory(section.form_class, extra=section.blank_rows)
    formset = factory(initial=section.initial_rows() or None, prefix=section.key,
                      form_kwargs={"patient": patient, "today": dt.date.today()})
    data = {f"{section.key}-{k}": v for k, v in formset.management_form.initial.items()}
    for form in formset.forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value not in (None, "", [], False):
                data[form.add_prefix(name)] = value
    return data


def visit_post(patient, sections=None, **fields) -> dict:
    data = {"visit_on": dt.date.today().isoformat()}
    for section in sections if sections is not None else all_sections():
        data.update(blank_section(section, patient))
    data.update(fields)
    return data


def lab_row(analyte: str) -> int:
    """Index of the analyte's row in the labs grid."""
    rows = get_section("labs").initial_rows()
    return [r["analyte"] for r in rows].index(analyte)
