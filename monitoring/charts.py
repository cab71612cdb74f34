"""Trend charts as inline SVG, drawn on the server with matplotlib: its object API (Figure,
never pyplot, so no GUI backend and no global figure state) and its SVG writer; no JavaScript.

Printable in black and white: the measure is a solid line with open circles, a point that
fired a flag is a large filled diamond, thresholds are dashed or dash-dotted lines named in
the legend; colour only repeats what the shapes say. Text stays text (svg.fonttype "none"),
at 9 pt or more, so it prints sharply and can be searched.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from datetime import timedelta

from .trends import Series

FONT_PT = 10
SMALL_PT = 9  # nothing smaller
LEGEND_WRAP = 80  # characters per legend line
INK, MUTED, ALERT = "#1b1f24", "#5b6470", "#b3261e"
THRESHOLD_STYLES = ((0, (6, 3)), (0, (6, 2, 1.5, 2)))  # dashed, dash-dot
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
    for line, style in zip(series.thresholds, THRESHOLD_STYLES, strict=False):
        ax.axhline(line.value, color=MUTED, linestyle=style, linewidth=1.3, label=line.label,
                   zorder=2)
    pad = timedelta(days=20)
    ax.set_xlim(min(days) - pad, max(days) + pad)
    # Every threshold in view, and room around the markers so none sits on the frame.
    ys = values + [line.value for line in series.thresholds]
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

    legend_rows = 1 + any(p.flagged for p in series.points) + sum(
        1 + len(t.label) // LEGEND_WRAP for t in series.thresholds)
    with _lock, matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.0, 2.3 + 0.2 * legend_rows), layout="constrained")
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
