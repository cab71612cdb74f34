"""A deterministic synthetic cohort for demonstrations and manual testing.

Every patient is invented: names come from small lists of made-up names, values from a
seeded random generator. Dates are relative to `today`, so the histories stay current. Each
patient illustrates one phenotype that a rule of the product looks for (the `phenotype`
label); each phenotype has `PER_PHENOTYPE` patients spread over both sites.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import cancer_risk, hcq, lung, subtype
from .builder import CaseBuilder

SITES = {"north": "North Clinic", "south": "South Clinic"}
SEED = 20260101
PER_PHENOTYPE = 3

PHENOTYPES: dict[str, Callable[[CaseBuilder], None]] = {
    **lung.PHENOTYPES, **subtype.PHENOTYPES, **cancer_risk.PHENOTYPES, **hcq.PHENOTYPES,
}

# Invented names; the family names are coined so that no combination is a real person's.
GIVEN = {
    "female": ("Alvena", "Brisa", "Calenne", "Dorika", "Elvira", "Fenella", "Galina",
               "Hesper", "Ilka", "Jorunn", "Kalinda", "Liora", "Maelis", "Nerys", "Orsola",
               "Perrine", "Rhosyn", "Saskia", "Tamsin", "Undine", "Verena", "Wilma", "Ysolde",
               "Zinnia"),
    "male": ("Anselm", "Bastian", "Corvin", "Darian", "Emeric", "Fabian", "Gideon", "Hollis",
             "Ivo", "Jasper", "Kasimir", "Lorcan", "Matthis", "Nevin", "Osric", "Peregrin",
             "Quillon", "Roderick", "Sefton", "Tobin"),
}
FAMILY = ("Ashbrindle", "Belcourtney", "Corrowmere", "Dunvallis", "Elderquist", "Fallowbeck",
          "Glenharrow", "Hollisvane", "Ivorstead", "Kestrelby", "Larkmoorden", "Merriwold",
          "Nettlecombe", "Orrinshaw", "Pellingtor", "Quillmarsh", "Rookwardine", "Sallowby",
          "Thistlegrave", "Umberfell", "Vantmoorley", "Wrenholt", "Yarrowdene", "Zellingham",
          "Brackenvale", "Cindergate", "Dapplethorn", "Embersley", "Foxhallow", "Gorsewick")


@dataclass(frozen=True)
class DemoPatient:
    site_code: str
    mrn: str
    family_name: str
    given_name: str
    case: dict
    phenotype: str


def demo_cohort(*, today: date, seed: int = SEED) -> list[DemoPatient]:
    """The whole cohort as of `today`: the same patients (MRNs, names) whatever the day,
    with dates that move with it."""
    patients = []
    per_site = dict.fromkeys(SITES, 0)
    jobs = [(label, n) for label in PHENOTYPES for n in range(PER_PHENOTYPE)]
    for index, (label, instance) in enumerate(jobs):
        site_code = tuple(SITES)[index % len(SITES)]
        per_site[site_code] += 1
        mrn = f"{site_code[0].upper()}{100000 + per_site[site_code]}"
        # One generator per patient: a change to one phenotype leaves the others unchanged.
        builder = CaseBuilder(rng=random.Random(f"{seed}:{index}:{label}"), today=today,
                              site_code=site_code, case_id=f"demo-{mrn.lower()}",
                              instance=instance)
        PHENOTYPES[label](builder)
        family, given = _name(random.Random(f"{seed}:name:{index}"),
                              builder.case["patient"]["sex"])
        patients.append(DemoPatient(site_code=site_code, mrn=mrn, family_name=family,
                                    given_name=given, case=builder.case, phenotype=label))
    return patients


def _name(rng: random.Random, sex: str) -> tuple[str, str]:
    return rng.choice(FAMILY), rng.choice(GIVEN[sex])
