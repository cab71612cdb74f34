"""Trend charts as inline SVG (matplotlib, Agg): printable, readable, stable."""

import re
from datetime import date

from monitoring.charts import render_svg
from monitoring.trends import Point, Series, Threshold, Uln

SERIES = Series("dlco", "DLCO", "% predicted", (
    Point(date(2025, 1, 10), 72.0, ("ILD_PROGRESSION",)), Point(date(2025, 4, 10), 70.0),
    Point(date(2025, 8, 1), 58.0, ("ILD_PROGRESSION",))),
    (Threshold(62.0, "PPF 2022: 10 points below the highest value", "lung.dlco_decline_points"),))


def test_chart_is_an_inline_svg_with_text_a_screen_reader_can_name():
    svg = render_svg(SERIES)
    assert svg.startswith('<svg role="img" aria-label="Trend of DLCO (% predicted)"')
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata>" not in svg
    for text in ("DLCO (% predicted)", "fired a flag", "PPF 2022: 10 points below"):
        assert text in svg  # text stays text (svg.fonttype none): printable and searchable


def test_no_text_smaller_than_9_points():
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", render_svg(SERIES))]
    # The SVG's user unit is the point (viewBox in pt), so "px" here are points.
    assert sizes and min(sizes) >= 9


def test_flag_marker_and_threshold_are_told_apart_by_shape_not_colour_alone():
    svg = render_svg(SERIES)
    assert "stroke-dasharray" in svg  # the threshold is dashed
    plain = render_svg(Series("dlco", "DLCO", "% predicted", SERIES.points[1:2]))
    assert "fired a flag" not in plain and "stroke-dasharray" not in plain


def test_same_data_same_svg_and_no_chart_without_values():
    assert render_svg(SERIES) == render_svg(SERIES)
    assert render_svg(Series("ck", "CK", "U/L", ())) == ""


def ck_series(*points: Point, default: float | None = None) -> Series:
    lines = (Threshold(default, f"ULN {default:g} U/L: rule-set default (female), for values "
                       "without a ULN from their lab", "uln.ck_female"),) if default else ()
    return Series("ck", "CK", "U/L", points, lines)


MIXED = ck_series(
    Point(date(2025, 1, 10), 250.0, uln=Uln(200.0, from_lab=True)),  # above its lab's ULN
    Point(date(2025, 3, 10), 250.0, uln=Uln(300.0, from_lab=True)),  # below, though > 192
    Point(date(2025, 5, 10), 150.0, uln=Uln(192.0, from_lab=False)),
    default=192.0)


def test_ck_chart_writes_each_labs_uln_and_names_both_sources_in_the_legend():
    svg = render_svg(MIXED)
    assert "ULN 200" in svg and "ULN 300" in svg  # each lab's own limit, at its value
    assert "ULN of the reporting lab, at each value" in svg
    assert "ULN 192 U/L: rule-set default (female)" in svg
    assert "above its own ULN" in svg
    assert "stroke-dasharray" in svg  # the default is a dashed line


def test_ck_chart_without_a_value_above_its_own_uln_has_no_above_marker():
    svg = render_svg(ck_series(Point(date(2025, 3, 10), 250.0, uln=Uln(300.0, from_lab=True)),
                               Point(date(2025, 5, 10), 180.0, uln=Uln(180.0, from_lab=True))))
    assert "above its own ULN" not in svg  # 250 < 300, and 180 = 180 is not above
    assert "rule-set default" not in svg and "stroke-dasharray" not in svg
    assert "ULN 300" in svg and "ULN 180" in svg


def test_a_repeated_lab_uln_is_written_once_where_it_changes():
    svg = render_svg(ck_series(*(
        Point(date(2025, month, 1), 100.0 + month, uln=Uln(200.0, from_lab=True))
        for month in range(1, 7))))
    assert svg.count("ULN 200") == 1


def test_flagged_point_above_its_uln_shows_both_markings():
    svg = render_svg(ck_series(Point(date(2025, 1, 10), 250.0, ("X",), Uln(200.0, True)),
                               Point(date(2025, 2, 10), 180.0, uln=Uln(200.0, True))))
    assert "fired a flag" in svg and "above its own ULN" in svg
