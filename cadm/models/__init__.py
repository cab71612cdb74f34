from .audit import AuditEvent, AuditReadLink
from .firings import RuleFiring
from .flags import Flag, FlagAction, OverrideReason, Severity
from .identifiers import PatientIdentifier, RecordSource
from .jobs import JobChunk, JobRun
from .patients import Patient
from .results import (
    AutoantibodyResult,
    ClinicalRecord,
    EyeExam,
    LabResult,
    Medication,
    MuscleStudy,
    SkinBiopsy,
)
from .rulesets import RuleSetVersion
from .sites import Site, User
from .status import RecordStatus
from .submissions import FormSubmission
from .visits import Visit

__all__ = [
    "AuditEvent",
    "AuditReadLink",
    "AutoantibodyResult",
    "ClinicalRecord",
    "EyeExam",
    "Flag",
    "FlagAction",
    "FormSubmission",
    "OverrideReason",
    "JobChunk",
    "JobRun",
    "LabResult",
    "Medication",
    "MuscleStudy",
    "Patient",
    "PatientIdentifier",
    "RecordSource",
    "RecordStatus",
    "RuleFiring",
    "RuleSetVersion",
    "Severity",
    "Site",
    "SkinBiopsy",
    "User",
    "Visit",
]
