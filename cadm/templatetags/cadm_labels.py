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
    # EULAR/ACR 2017 items as the engine names them (cadm.rules.criteria.classification),
    # in the words of the published table (clinical-reference.md §2.1).
    "eular_item": {
        "age_18_to_40": "Age at onset ≥ 18 and < 40 years",
        "age_40_plus": "Age at onset ≥ 40 years",
        "proximal_upper": "Proximal upper-limb weakness",
        "proximal_lower": "Proximal lower-limb weakness",
        "neck_flexor": "Neck flexors weaker than extensors",
        "proximal_leg_over_distal": "Legs: proximal weaker than distal",
        "heliotrope": "Heliotrope rash",
        "gottron_papules": "Gottron papules",
        "gottron_sign": "Gottron sign",
        "dysphagia": "Dysphagia or oesophageal dysmotility",
        "anti_jo1": "Anti-Jo-1 positive",
        "enzymes_above_uln": "CK, LDH, AST or ALT above the upper limit of normal",
        "endomysial_infiltrate": "Biopsy: endomysial infiltrate",
        "perimysial_perivascular_infiltrate": "Biopsy: perimysial / perivascular infiltrate",
        "perifascicular_atrophy": "Biopsy: perifascicular atrophy",
        "rimmed_vacuoles": "Biopsy: rimmed vacuoles",
    },
}


@register.filter
def label(code, kind: str) -> str:
    """{{ value|label:"subtype" }}; an unknown code is shown as it is."""
    return LABELS.get(kind, {}).get(code, code)


@register.filter
def labels(codes, kind: str) -> str:
    return ", ".join(label(code, kind) for code in codes)
