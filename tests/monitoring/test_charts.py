"""Trend charts as inline SVG (matplotlib, Agg): printable, readable, stable."""

import re
from datetime import date

from monitoring.charts import render_svg
from monitoring.trends import Point, Series, Threshold

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
