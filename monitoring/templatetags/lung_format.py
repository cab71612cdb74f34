"""Number formats of the lung pages: signed changes with a real minus sign."""

from django import template

from cadm.rules import vocabulary as v
from cadm.rules.criteria.common import num as _num
from cadm.sections import label_list

register = template.Library()


@register.filter
def num(value) -> str:
    """82.0 -> '82', 76.55 -> '76.55'; None -> '—'."""
    return "—" if value is None else _num(float(value))


@register.filter
def signed(value, digits: int = 1) -> str:
    """A change: '+2.0', '−5.0' (U+2212, as printed in clinical tables); None -> '—'."""
    if value is None:
        return "—"
    text = f"{float(value):+.{int(digits)}f}"
    return text.replace("-", "\u2212")


@register.filter
def hrct_findings(codes) -> str:
    """HRCT finding codes as their labels, lower case after the first."""
    return label_list(codes, v.HRCT_FINDINGS)


@register.filter
def get(mapping, key):
    """{{ labels|get:code }}"""
    return mapping.get(key, key)


@register.filter
def param(params, key) -> str:
    """A rule-set parameter, formatted: {{ ruleset.params|param:"lung.pft_interval_days" }}."""
    return num(params[key])
