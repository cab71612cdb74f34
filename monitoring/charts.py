"""Trend charts as inline SVG, drawn on the server with matplotlib: its object API (Figure,
never pyplot, so no GUI backend and no global figure state) and its SVG writer; no JavaScript.

Printable in black and white: the measure is a solid line with open circles, a point that
fired a flag is a large filled diamond, thresholds are dashed or dash-dotted lines named in
the legend; colour only repeats what the shapes say. A measure judged against each lab's own
upper limit (CK) draws that limit as a short thick bar at each value whose lab gave one, the
rule-set default as a dashed line only when some value has none, and a filled triangle just
above each value that is above its own limit (above the flag diamond, so both show). Text
stays text (svg.fonttype "none"), at 9 pt or more, so it prints sharply and can be searched.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from datetime import timedelta

from cadm.rules.criteria.common import num

from .trends import Point, Series

FONT_PT = 10
SMALL_PT = 9  # nothing smaller
LEGEND_WRAP = 80  # characters per legend line
INK, MUTED, ALERT = "#1b1f24", "#5b6470", "#b3261e"
THRESHOLD_STYLES = ((0, (6, 3)), (0, (6, 2, 1.5, 2)))  # dashed, dash-dot
ABOVE_OFFSET_PT = 10  # the "above its ULN" triangle sits this far over its point
RC = {
    "svg.fonttype": "none",  # keep <text>, not glyph outlines
    "svg.hashsalt": "cadm-lung",  # stable element ids: the same data give the same SVG
    "font.family": "sans-serif",
    "font.size": FONT_PT,
}
# rcParams are process-wide; one chart at a time keeps concurrent requests apart.
_lock = threading.Lock()


def _plot(ax, series: Series) -> None:
    import matplotlib.dates as mdates

    days = [p.date for p in series.points]
    values = [p.value for p in series.points]
    ax.plot(days, values, color=INK, linewidth=1.6, marker="o", markersize=5,
            markerfacecolor="white", markeredgewidth=1.4, label=series.label, zorder=3)
    flagged = [p for p in series.points if p.flagged]
    if flagged:
        ax.plot([p.date for p in flagged], [p.value for p in flagged], linestyle="none",
                marker="D", markersize=9, color=ALERT, markeredgecolor=INK,
                markeredgewidth=1.2, label="fired a flag", zorder=4)
    _plot_uln(ax, series)
    for line, style in zip(series.thresholds, THRESHOLD_STYLES, strict=False):
        ax.axhline(line.value, color=MUTED, linestyle=style, linewidth=1.3, label=line.label,
                   zorder=2)
    pad = timedelta(days=20)
    ax.set_xlim(min(days) - pad, max(days) + pad)
    # Every threshold in view, and room around the markers so none sits on the frame.
    ys = values + [line.value for line in series.thresholds] + [
        p.uln.value for p in series.points if p.uln]
    low, high = min(ys), max(ys)
    margin = 0.12 * ((high - low) or max(abs(high), 1.0))
    ax.set_ylim(low - margin, high + margin)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel(series.unit, fontsize=SMALL_PT + 1)
    ax.tick_params(labelsize=SMALL_PT + 0.5, colors=INK)
    ax.grid(axis="y", color="#d5dae0", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _plot_uln(ax, series: Series) -> None:
    """The values above their own ULN, and each lab's own ULN at its value."""
    from matplotlib.transforms import offset_copy

    above = [p for p in series.points if p.above_uln]
    if above:
        lifted = offset_copy(ax.transData, fig=ax.figure, y=ABOVE_OFFSET_PT, units="points")
        ax.plot([p.date for p in above], [p.value for p in above], linestyle="none",
                marker="^", markersize=7, color=INK, transform=lifted, clip_on=False,
                label="above its own ULN (its lab's, else the rule-set default)", zorder=5)
    own = [p for p in series.points if p.uln and p.uln.from_lab]
    if not own:
        return
    ax.plot([p.date for p in own], [p.uln.value for p in own], linestyle="none",
            marker="_", markersize=18, markeredgewidth=2.6, color=MUTED,
            label="ULN of the reporting lab, at each value", zorder=2)
    last_day = series.points[-1].date
    for p in _uln_changes(own):
        # Beside the bar; on its left at the last value, where the right margin is narrow.
        left = p.date == last_day
        ax.annotate(f"ULN {num(p.uln.value)}", (p.date, p.uln.value),
                    xytext=(-11 if left else 11, 0), textcoords="offset points",
                    ha="right" if left else "left", va="center", fontsize=SMALL_PT,
                    color=MUTED, zorder=2)


def _uln_changes(points: list[Point]) -> list[Point]:
    """The points whose lab ULN differs from the one before: their number is written once,
    where it changes, so a long history stays legible."""
    return [p for i, p in enumerate(points) if i == 0 or p.uln != points[i - 1].uln]


def _legend_rows(series: Series) -> int:
    own_uln = any(p.uln and p.uln.from_lab for p in series.points)
    return (1 + any(p.flagged for p in series.points) + own_uln
            + any(p.above_uln for p in series.points)
            + sum(1 + len(t.label) // LEGEND_WRAP for t in series.thresholds))


def _legend(fig, ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    labels = [textwrap.fill(text, LEGEND_WRAP) for text in labels]
    fig.legend(handles, labels, loc="outside lower left", ncol=1, fontsize=SMALL_PT,
               frameon=False, handlelength=3.2)


def render_svg(series: Series) -> str:
    """One measure as an <svg> element (no XML prolog), or "" when it has no point."""
    if not series.points:
        return ""
    import matplotlib
    from matplotlib.figure import Figure

    with _lock, matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.0, 2.3 + 0.2 * _legend_rows(series)), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(series.title, fontsize=FONT_PT + 1, loc="left", color=INK,
                     fontweight="bold")
        _plot(ax, series)
        _legend(fig, ax)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _inline(out.getvalue(), series)


def _inline(svg: str, series: Series) -> str:
    """Drop the prolog and doctype; name the chart for screen readers."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    label = f"Trend of {series.title}"
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="trend" ', 1)
