"""Human labels for the codes the rules return, so clinicians never read raw codes."""

from django import template

from cadm.rules import vocabulary as v

register = template.Library()

LABELS = {
    "subtype": dict(v.SUBTYPES),
    "antibody": dict(v.ANTIBODIES),
    "category": {"not_iim": "not IIM", "possible": "possible IIM", "probable": "probable IIM",
                 "definite": "definite IIM"},
    "subgroup": {"dm": "dermatomyositis", "amyopathic_dm": "amyopathic DM",
                 "juvenile_dm": "juvenile DM", "juvenile_other": "juvenile myositis other than "
                 "JDM", "ibm": "inclusion body myositis", "pm": "polymyositis"},
    "tier": {"standard": "standard", "moderate": "moderate", "high": "high",
             "not_applicable": "not applicable (juvenile onset)"},
    "factor": dict(v.IMACS_FACTORS),

}


@register.filter
def label(code, kind: str) -> str:
    """{{ value|label:"subtype" }}; an unknown code is shown as it is."""
    return LABELS.get(kind, {}).get(code, code)


@register.filter
def labels(codes, kind: str) -> str:
    return ", ".join(label(code, kind) for code in codes)
