"""An import report as a FHIR R4 OperationOutcome: one issue per refusal (the FHIR path as
its `expression`, our message as its `diagnostics`), one per resource skipped (information),
and a first issue that sums up. Built from the report only: no query, no patient data beyond
the patient's public id (the link to its page)."""

from __future__ import annotations

from .import_report import ImportReport

# HTTP status -> OperationOutcome.issue.code (FHIR R4 IssueType value set).
ISSUE_TYPES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               405: "not-supported", 406: "not-supported", 409: "conflict", 413: "too-costly",
               415: "not-supported", 422: "invalid", 429: "throttled", 503: "transient"}


def error_outcome(status: int, message: str, expression: str | None = None) -> dict:
    issue = {"severity": "error", "code": ISSUE_TYPES.get(status, "exception"),
             "diagnostics": message}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def summary(report: ImportReport) -> str:
    counts = report.counts()
    text = (f"Imported {counts['imported']}, marked entered in error "
            f"{counts['marked_in_error']}, skipped {counts['skipped']}, refused "
            f"{counts['refused']}.")
    if report.refused and not report.partial:
        text += " Nothing was saved: a bundle with a refused resource imports nothing " \
                "unless partial=true."
    if report.patient is not None and report.saved:
        how = "registered" if report.patient_created else "matched"
        text += f" Patient {how}: /patients/{report.patient.public_id}/"
    return text


def import_outcome(report: ImportReport) -> dict:
    # A refusal in a partial import did not stop the rest: a warning, not an error.
    severity = "warning" if report.partial else "error"
    issues = [{"severity": "information", "code": "informational",
               "diagnostics": summary(report)}]
    for refusal in report.refused:
        issue = {"severity": severity, "code": "value" if refusal.value else "invalid",
                 "expression": [refusal.path], "diagnostics": refusal.message}
        if refusal.value or refusal.accepted:
            issue["details"] = {"text": "; ".join(filter(None, [
                f"value: {refusal.value}" if refusal.value else "",
                f"accepted: {refusal.accepted}" if refusal.accepted else ""]))}
        issues.append(issue)
    issues += [{"severity": "information", "code": "informational",
                "expression": [skipped.path], "diagnostics": skipped.reason}
               for skipped in report.skipped]
    return {"resourceType": "OperationOutcome", "issue": issues}
