"""Inline SVG without inline style, for the Content-Security-Policy (style-src 'self').

matplotlib's SVG writer (monitoring/charts.py) puts each element's presentation in a
`style="fill: ...; stroke: ..."` attribute and the figure's defaults in a `<style>` element;
under the policy the browser ignores both and draws the charts black. Every property it writes
is also an SVG presentation attribute (fill="...", stroke="..."), which no policy restricts:
this filter rewrites the one into the other. matplotlib has no option to write them so.

The defaults (`*{stroke-linejoin: round; stroke-linecap: butt}`) become attributes of the root
<svg>, which its elements inherit unless they set their own, as the `*` rule did. A style
attribute is a stronger rule than a presentation attribute, a difference that shows only if a
stylesheet of the page styles the chart's inner elements; none does.
"""

import re

from django import template

register = template.Library()

# The properties matplotlib writes, all presentation attributes in SVG 1.1 and 2. Anything
# else stays in a style attribute: the policy then blocks it, and the browser test sees it.
PRESENTATION = frozenset({
    "clip-path", "clip-rule", "color", "display", "fill", "fill-opacity", "fill-rule",
    "font-family", "font-size", "font-style", "font-variant", "font-weight", "opacity",
    "stroke", "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-opacity", "stroke-width", "text-anchor", "visibility",
})
STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
DEFAULTS = re.compile(r'<defs>\s*<style type="text/css">\*\{([^}<]*)\}</style>\s*</defs>')


def _attributes(css: str) -> str:
    """`fill: #fff; stroke: none` -> ` fill="#fff" stroke="none"` (already escaped for an
    attribute by matplotlib's writer: it stays in one)."""
    converted, kept = [], []
    for declaration in css.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name:
            continue
        if name in PRESENTATION:
            converted.append(f' {name}="{value}"')
        else:
            kept.append(f"{name}: {value}")
    return "".join(converted) + (f' style="{"; ".join(kept)}"' if kept else "")


@register.filter(is_safe=True)
def presentation_attributes(svg: str) -> str:
    """matplotlib's inline <svg> with presentation attributes instead of inline style. Safe
    only if its input was (is_safe): the rewrite only moves escaped attribute values."""
    defaults = DEFAULTS.search(svg)
    if defaults:
        svg = svg[:defaults.start()] + svg[defaults.end():]
        end = svg.index(">", svg.index("<svg"))  # of the root's start tag
        svg = svg[:end] + _attributes(defaults.group(1)) + svg[end:]
    return STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), svg)
