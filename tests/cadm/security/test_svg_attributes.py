"""The lung page's matplotlib charts without inline style (the CSP's style-src 'self'): every
declaration of every style attribute becomes a presentation attribute of the same element,
the default-style <style> element becomes the root's attributes. (tests/browser/
test_csp_browser.py checks in Chromium that the chart looks the same, pixel for pixel.)"""

import re
from datetime import date

from django.template import Context, Template
from django.utils.safestring import mark_safe

from cadm.templatetags.svg_attributes import presentation_attributes
from monitoring.charts import render_svg
from monitoring.trends import Point, Series, Threshold, Uln

# Every kind of mark the charts draw: values, a flagged value, each lab's ULN and the
# default's dashed line, values above their ULN, a dash-dotted threshold.
RICH = Series("ck", "CK", "U/L", (
    Point(date(2025, 1, 10), 250.0, ("MYOSITIS_ACTIVITY",), Uln(200.0, from_lab=True)),
    Point(date(2025, 3, 10), 250.0, uln=Uln(300.0, from_lab=True)),
    Point(date(2025, 5, 10), 150.0, uln=Uln(192.0, from_lab=False))), (
    Threshold(192.0, "ULN 192 U/L: rule-set default (female)", "uln.ck_female"),
    Threshold(400.0, "Twice the ULN", "x")))

TAG = re.compile(r"<([a-z:]+)\b([^>]*)>")


def _elements(svg: str) -> list[tuple[str, dict[str, str]]]:
    """Each element's name and its presentation, from attributes and style alike."""
    found = []
    for name, attrs in TAG.findall(svg):
        presentation = dict(re.findall(r'\s([a-z-]+)="([^"]*)"', attrs))
        style = presentation.pop("style", "")
        for declaration in filter(None, (d.strip() for d in style.split(";"))):
            key, _, value = declaration.partition(":")
            presentation[key.strip()] = value.strip()
        found.append((name, presentation))
    return found


def test_no_inline_style_is_left_and_nothing_else_changes():
    original = render_svg(RICH)
    assert ' style="' in original and "<style" in original  # what the policy would block

    rewritten = presentation_attributes(original)

    assert ' style="' not in rewritten and "<style" not in rewritten
    before = [e for e in _elements(original) if e[0] not in {"defs", "style"}]
    after = [e for e in _elements(rewritten) if e[0] not in {"defs", "style"}]
    root_defaults = {"stroke-linejoin": "round", "stroke-linecap": "butt"}
    assert after[0] == (before[0][0], {**before[0][1], **root_defaults})
    assert after[1:] == before[1:]  # the same elements, each with the same presentation


def test_a_property_that_is_no_presentation_attribute_stays_in_style():
    assert presentation_attributes('<svg x="1"><path style="fill: #fff; mix-blend-mode: '
                                   'multiply"/></svg>') == (
        '<svg x="1"><path fill="#fff" style="mix-blend-mode: multiply"/></svg>')


def test_the_filter_keeps_safe_svg_safe_and_escapes_anything_else():
    template = Template("{% load svg_attributes %}{{ svg|presentation_attributes }}")
    html = template.render(Context({"svg": mark_safe(render_svg(RICH))}))  # as the view does
    assert html.startswith('<svg role="img" aria-label="Trend of CK (U/L)"')
    assert ' style="' not in html
    assert template.render(Context({"svg": '<svg><a style="fill: red"/></svg>'})) == (
        '&lt;svg&gt;&lt;a fill=&quot;red&quot;/&gt;&lt;/svg&gt;')
