"""A FHIR R4 Patient (and its dermatomyositis Condition) -> the raw values of PatientInput.

- names: the `official` name, else `usual`, else the first; given names joined by a space;
- sex: `gender` as it is: female and male are ours; `other` and `unknown` are refused by the
  parser in its words (our record keeps sex for the sex-specific upper limits of §6.1);
- identifiers: the (system, value) pairs a later import matches the patient by, but never a
  government or personal document number (social security, driver's licence, passport,
  national id, tax, insurance: `PERSONAL_DOCUMENT_TYPES` of HL7 v2-0203, and the US SSN
  systems): a record number is enough to match, and we keep no more personal data than the
  matching needs;
- MRN: the kept identifier typed MR (HL7 v2-0203), else the first kept identifier's value;
- the disease dates, which no Patient resource holds: from a Condition coded dermatomyositis
  (§8.2: SNOMED CT 396230008, ICD-10 M33.1), `onset[x]` as the skin onset (our record's onset
  of disease is its first skin sign) and `recordedDate` as the diagnosis date (FHIR has no
  diagnosis date; the day the condition was first recorded is its usual stand-in). Absent,
  the importer takes them from its caller, or cannot create the patient: they are never
  guessed;
- the facts the rules read that our export writes as extensions of ours (local_codes.py):
  the subtype on record and the refractory-disease marker on the dermatomyositis Condition,
  the high nasopharyngeal-cancer-risk region on the Patient. Another system's extensions are
  not read, and without ours a new patient has none of them (as a form's defaults).
"""

from __future__ import annotations

from . import codes as c
from . import local_codes as local
from .structure import codings, day_of, structure_problems


def _name(resource: dict, path: str) -> tuple[dict, str]:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    for use in ("official", "usual", None):
        for index, name in enumerate(names):
            if use is None or name.get("use") == use:
                return name, f"{path}.name[{index}]"
    return {}, f"{path}.name"


# HL7 v2-0203 identifier types that name a person's documents or entitlements, not a record
# (NNxxx: a national person identifier of country xxx).
PERSONAL_DOCUMENT_TYPES = frozenset({"SS", "DL", "PPN", "NI", "TAX", "SB", "BCT", "CZ", "VS",
                                     "MC", "MA", "NH", "NP", "PEN"})
PERSONAL_DOCUMENT_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/us-ssn",
                                       "urn:oid:2.16.840.1.113883.4.1"})


def _personal_document(identifier: dict) -> bool:
    if identifier.get("system") in PERSONAL_DOCUMENT_SYSTEMS:
        return True
    return any(system == c.V2_0203 and (code in PERSONAL_DOCUMENT_TYPES or
                                        (code.startswith("NN") and len(code) == 5))
               for system, code, _ in codings(identifier.get("type")))


def _kept(resource: dict) -> list[tuple[int, dict]]:
    """The identifiers we may keep, with their index in the resource (for FHIR paths)."""
    return [(index, i) for index, i in enumerate(resource.get("identifier") or [])
            if isinstance(i, dict) and isinstance(i.get("value"), str) and i["value"]
            and not _personal_document(i)]


def identifiers(resource: dict) -> list[tuple[str, str]]:
    return [(i["system"], i["value"]) for _, i in _kept(resource)
            if isinstance(i.get("system"), str) and i["system"]]


def _mrn(resource: dict, path: str) -> tuple[str | None, str]:
    found = _kept(resource)
    for index, identifier in found:
        if any(system == c.V2_0203 and code == "MR"
               for system, code, _ in codings(identifier.get("type"))):
            return identifier["value"], f"{path}.identifier[{index}].value"
    if found:
        index, identifier = found[0]
        return identifier["value"], f"{path}.identifier[{index}].value"
    return None, f"{path}.identifier"


def patient(resource: dict, path: str) -> tuple[dict | None, list[tuple[str, str]]]:
    """The raw PatientInput fields of `resource` with their paths, or its structure
    problems."""
    problems = structure_problems(resource, path)
    if problems:
        return None, problems
    name, name_path = _name(resource, path)
    given = [g for g in name.get("given") or [] if isinstance(g, str)]
    mrn, mrn_path = _mrn(resource, path)
    raw = {"sex": resource.get("gender"), "birth_date": resource.get("birthDate"),
           "family_name": name.get("family"), "given_name": " ".join(given) or None,
           "mrn": mrn, "identifiers": identifiers(resource)}
    raw["fields"] = {"sex": f"{path}.gender", "birth_date": f"{path}.birthDate",
                     "family_name": f"{name_path}.family", "given_name": f"{name_path}.given",
                     "mrn": mrn_path, "identifiers": f"{path}.identifier"}
    _extensions(resource, path, {local.HIGH_NPC_REGION: "high_npc_risk_region"}, raw,
                raw["fields"])
    return raw, []


def _extensions(resource: dict, path: str, names: dict[str, str], raw: dict,
                fields: dict) -> None:
    """Our extensions' values, as sent (the typed input checks them)."""
    extensions = resource.get("extension")
    for index, extension in enumerate(extensions if isinstance(extensions, list) else []):
        url = extension.get("url") if isinstance(extension, dict) else None
        if not isinstance(url, str) or url not in names:
            continue
        name, where = names[url], f"{path}.extension[{index}]"
        if "valueBoolean" in extension:
            raw[name], fields[name] = extension["valueBoolean"], f"{where}.valueBoolean"
        elif "valueCodeableConcept" in extension:
            found = codings(extension["valueCodeableConcept"])
            raw[name] = local.code_in(found, "subtypes") or next(
                (code for _, code, _ in found), None)
            fields[name] = f"{where}.valueCodeableConcept"


def references(resource: dict, full_url: str | None) -> frozenset[str]:
    """How the bundle's other resources may name this patient."""
    refs = {full_url} if full_url else set()
    if isinstance(resource.get("id"), str):
        refs.add(f"Patient/{resource['id']}")
    return frozenset(refs)


def is_dermatomyositis(resource: dict) -> bool:
    return any((system, code) in c.DERMATOMYOSITIS
               for system, code, _ in codings(resource.get("code")))


def disease_record(resource: dict, path: str) -> tuple[dict, dict[str, str]]:
    """skin_onset_date and diagnosis_date (ISO) of a dermatomyositis Condition, where it
    gives them, and the subtype on record and refractory marker of our extensions; a
    Condition entered in error or refuted gives nothing."""
    statuses = {code for _, code, _ in codings(resource.get("verificationStatus"))}
    if statuses & {"entered-in-error", "refuted"}:
        return {}, {}
    raw, fields = {}, {}
    for key, sub in (("onsetDateTime", None), ("onsetPeriod", "start")):
        value = resource.get(key)
        value = value.get(sub) if sub and isinstance(value, dict) else value
        if day_of(value):
            raw["skin_onset_date"] = day_of(value).isoformat()
            fields["skin_onset_date"] = f"{path}.{key}" + (f".{sub}" if sub else "")
            break
    if day_of(resource.get("recordedDate")):
        raw["diagnosis_date"] = day_of(resource["recordedDate"]).isoformat()
        fields["diagnosis_date"] = f"{path}.recordedDate"
    _extensions(resource, path, {local.RECORDED_SUBTYPE: "recorded_subtype",
                                 local.REFRACTORY: "refractory_disease"}, raw, fields)
    return raw, fields
