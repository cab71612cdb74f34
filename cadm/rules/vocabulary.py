"""Coded vocabularies shared by the data model, the case-file contract and the rules.

The codes are those of ../shared/case-format.md: extend these lists, never rename a code,
because stored rows and case files refer to them.
"""

SEXES = (("female", "Female"), ("male", "Male"))

SUBTYPES = (
    ("classic_dm", "Classic dermatomyositis"),
    ("hypomyopathic", "Hypomyopathic DM"),
    ("amyopathic", "Amyopathic DM"),
    ("undetermined", "Undetermined (skin disease < 6 months)"),
    ("not_classifiable", "Not classifiable"),
)

SKIN_SIGNS = (
    ("heliotrope", "Heliotrope rash"),
    ("gottron_papules", "Gottron papules"),
    ("gottron_sign", "Gottron sign"),
    ("v_sign", "V sign"),
    ("shawl_sign", "Shawl sign"),
    ("mechanics_hands", "Mechanic's hands"),
    ("palmar_papules", "Palmar papules"),
    ("skin_ulceration", "Skin ulceration"),
    ("periungual_erythema", "Periungual erythema"),
    ("scalp_involvement", "Scalp involvement"),
    ("calcinosis", "Calcinosis"),
)
# Sontheimer's hallmark signs (clinical-reference.md §3.1).
HALLMARK_SKIN_SIGNS = ("heliotrope", "gottron_papules", "gottron_sign")

WEAKNESS = (
    ("proximal_upper", "Proximal upper-limb weakness"),
    ("proximal_lower", "Proximal lower-limb weakness"),
    ("neck_flexor", "Neck flexors weaker than extensors"),
    ("proximal_leg_over_distal", "Legs: proximal weaker than distal"),
)

# Parts of a visit's examination. Findings of a part are read as "none" only at a visit that
# assessed it: a skin-only visit says nothing about symptoms. Weight is assessed when a weight
# is recorded.
VISIT_PARTS = (
    ("skin", "Skin examined"),
    ("strength", "Muscle strength examined"),
    ("symptoms", "Symptoms reviewed"),
    ("weight", "Weight measured"),
)
ALL_VISIT_PARTS = frozenset(code for code, _ in VISIT_PARTS)

SYMPTOMS = (
    ("dyspnea", "Dyspnoea"),
    ("dry_cough", "Dry cough"),
    ("dysphagia_mild", "Dysphagia, mild"),
    ("dysphagia_moderate_severe", "Dysphagia, moderate to severe"),
    ("weight_loss", "Weight loss"),
    ("fever", "Fever"),
    ("night_sweats", "Night sweats"),
    ("arthritis", "Arthritis"),
    ("raynaud", "Raynaud phenomenon"),
)

LAB_TESTS = (
    ("ck", "CK"),
    ("aldolase", "Aldolase"),
    ("ldh", "LDH"),
    ("ast", "AST"),
    ("alt", "ALT"),
    ("ferritin", "Ferritin"),
    ("crp", "CRP"),
    ("esr", "ESR"),
    ("kl6", "KL-6"),
)

LAB_UNITS = (
    ("U/L", "U/L"),
    ("ng/mL", "ng/mL"),
    ("ug/L", "µg/L"),
    ("mg/L", "mg/L"),
    ("mg/dL", "mg/dL"),
    ("mm/h", "mm/h"),
    ("U/mL", "U/mL"),
)

ANTIBODIES = (
    ("mda5", "Anti-MDA5"),
    ("tif1g", "Anti-TIF1-γ"),
    ("nxp2", "Anti-NXP2"),
    ("mi2", "Anti-Mi-2"),
    ("sae1", "Anti-SAE1"),
    ("hmgcr", "Anti-HMGCR"),
    ("srp", "Anti-SRP"),
    ("jo1", "Anti-Jo-1"),
    ("pl7", "Anti-PL-7"),
    ("pl12", "Anti-PL-12"),
    ("ej", "Anti-EJ"),
    ("oj", "Anti-OJ"),
    ("ro52", "Anti-Ro52"),
    ("pmscl", "Anti-PM/Scl"),
    ("ku", "Anti-Ku"),
)
ANTIBODY_RESULTS = (("positive", "Positive"), ("negative", "Negative"), ("equivocal", "Equivocal"))
ANTIBODY_METHODS = (
    ("line_blot", "Line blot"),
    ("elisa", "ELISA"),
    ("immunoprecipitation", "Immunoprecipitation"),
    ("other", "Other"),
)

MUSCLE_STUDY_KINDS = (("mri", "Muscle MRI"), ("emg", "EMG"), ("biopsy", "Muscle biopsy"))
BIOPSY_FINDINGS = (
    ("endomysial_infiltrate", "Endomysial infiltrate"),
    ("perimysial_perivascular_infiltrate", "Perimysial / perivascular infiltrate"),
    ("perifascicular_atrophy", "Perifascicular atrophy"),
    ("rimmed_vacuoles", "Rimmed vacuoles"),
)

HRCT_FINDINGS = (
    ("ground_glass", "Ground-glass opacity"),
    ("consolidation", "Consolidation"),
    ("reticulation", "Reticulation"),
    ("traction_bronchiectasis", "Traction bronchiectasis"),
    ("honeycombing", "Honeycombing"),
)

DRUGS = (
    ("hydroxychloroquine", "Hydroxychloroquine"),
    ("chloroquine", "Chloroquine"),
    ("prednisolone", "Prednisolone"),
    ("methylprednisolone", "Methylprednisolone"),
    ("methotrexate", "Methotrexate"),
    ("mycophenolate", "Mycophenolate mofetil"),
    ("azathioprine", "Azathioprine"),
    ("tacrolimus", "Tacrolimus"),
    ("ciclosporin", "Ciclosporin"),
    ("cyclophosphamide", "Cyclophosphamide"),
    ("rituximab", "Rituximab"),
    ("ivig", "Intravenous immunoglobulin"),
    ("tofacitinib", "Tofacitinib"),
    ("other", "Other"),
)


# IMACS 2023 risk factors as the engine names them (case-format.md), in clinicians' words.
IMACS_FACTORS = (
    ("classic_dm", "classic DM"), ("cadm", "clinically amyopathic DM"),
    ("tif1g", "anti-TIF1-γ"), ("nxp2", "anti-NXP2"), ("age_over_40", "onset after 40"),
    ("refractory_disease", "refractory disease"), ("dysphagia", "moderate–severe dysphagia"),
    ("skin_ulceration", "skin ulceration"), ("sae1", "anti-SAE1"), ("hmgcr", "anti-HMGCR"),
    ("mi2", "anti-Mi-2"), ("mda5", "anti-MDA5"), ("male_sex", "male sex"),
)


def labels(vocabulary: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(vocabulary)
