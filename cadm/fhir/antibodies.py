"""One antibody Observation -> the raw values of an AutoantibodyInput, with the FHIR path of
each (cadm.fhir.observations finds the antibody by its code and calls this).

- the result: `valueCodeableConcept` (a code of our antibody_results vocabulary, else its
  words), `valueString` words, or the HL7 v3 interpretation code (POS/NEG/IND/E);
- the method: a code of our antibody_methods vocabulary in `Observation.method`, else its
  words, else the one the code names (MDA5 82424-3: line blot), else "other";
- the grade 1-3 (FLAIR reads it) and the titre as reported: components under our
  `urn:cadm:antibody` system, as our export writes them (cadm/fhir/local_codes.py). Another
  system's grade or titre is not read: a titre's meaning is its laboratory's.
"""

from __future__ import annotations

from . import codes as c
from . import local_codes as local
from .structure import codings


def _result(resource: dict, path: str) -> tuple[object, str]:
    concept = resource.get("valueCodeableConcept")
    if isinstance(concept, dict):
        where = f"{path}.valueCodeableConcept"
        ours = local.code_in(codings(concept), "antibody_results")
        if ours:
            return ours, where
        words = [concept.get("text")] + [display for _, _, display in codings(concept)]
        result = next((c.RESULT_WORDS[w.strip().lower()] for w in words
                       if isinstance(w, str) and w.strip().lower() in c.RESULT_WORDS), None)
        return result or concept.get("text") or (codings(concept) or [("", "", "")])[0][2], \
            where
    if isinstance(resource.get("valueString"), str):
        text = resource["valueString"]
        return c.RESULT_WORDS.get(text.strip().lower(), text), f"{path}.valueString"
    for index, item in enumerate(resource.get("interpretation") or []):
        found = [code for system, code, _ in codings(item) if system == c.INTERPRETATION]
        hit = next((c.INTERPRETATION_RESULTS[x] for x in found
                    if x in c.INTERPRETATION_RESULTS), None)
        if hit:
            return hit, f"{path}.interpretation[{index}]"
    return None, f"{path}.value[x]"


def _method(resource: dict, path: str, implied: str) -> tuple[str, str]:
    concept = resource.get("method")
    ours = local.code_in(codings(concept), "antibody_methods")
    if ours:
        return ours, f"{path}.method"
    text = " ".join(filter(None, [concept.get("text") if isinstance(concept, dict) else None]
                           + [d for _, _, d in codings(concept)]))
    found = next((ours for word, ours in c.METHOD_WORDS if word in text.lower()), None)
    if found:
        return found, f"{path}.method"
    return implied or "other", f"{path}.code"


def _components(resource: dict, path: str, raw: dict, fields: dict) -> None:
    components = resource.get("component")
    for index, component in enumerate(components if isinstance(components, list) else []):
        if not isinstance(component, dict):
            continue
        parts = {code for system, code, _ in codings(component.get("code"))
                 if system == local.ANTIBODY}
        where = f"{path}.component[{index}]"
        if local.ANTIBODY_GRADE in parts and "valueInteger" in component:
            raw["grade"], fields["grade"] = component["valueInteger"], f"{where}.valueInteger"
        elif local.ANTIBODY_TITRE in parts and "valueString" in component:
            raw["titre"], fields["titre"] = component["valueString"], f"{where}.valueString"


def antibody_row(resource: dict, path: str, antibody: str, implied: str
                 ) -> tuple[dict, dict[str, str]]:
    result, result_path = _result(resource, path)
    method, method_path = _method(resource, path, implied)
    raw = {"antibody": antibody, "result": result, "method": method}
    fields = {"antibody": f"{path}.code", "result": result_path, "method": method_path}
    _components(resource, path, raw, fields)
    return raw, fields
