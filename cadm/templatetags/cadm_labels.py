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
    "factor": {"classic_dm": "classic DM", "cadm": "clinically amyopathic DM",
               "tif1g": "anti-TIF1-γ", "nxp2": "anti-NXP2", "age_over_40": "onset after 40",
               "refractory_disease": "refractory disease", "dysphagia": "moderate–severe "
               "dysphagia", "skin_ulceration": "skin ulceration", "sae1": "anti-SAE1",
               "hmgcr": "anti-HMGCR", "mi2": "anti-Mi-2", "mda5": "anti-MDA5",
               "male_sex": "male sex"},
}


@register.filter
def label(code, kind: str) -> str:
    """{{ value|label:"subtype" }}; an unknown code is shown as it is."""
    return LABELS.get(kind, {}).get(code, code)


@register.filter
def labels(codes, kind: str) -> str:
    return ", ".join(label(code, kind) for code in codes)
