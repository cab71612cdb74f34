from .audit import AuditEvent
from .jobs import JobRun
from .patients import Patient
from .results import (
    AutoantibodyResult,
    ClinicalRecord,
    EyeExam,
    LabResult,
    Medication,
    MuscleStudy,
    RecordStatus,
    SkinBiopsy,
)
from .sites import Site, User
from .visits import Visit

__all__ = [
    "AuditEvent",
    "AutoantibodyResult",
    "ClinicalRecord",
    "EyeExam",
    "JobRun",
    "LabResult",
    "Medication",
    "MuscleStudy",
    "Patient",
    "RecordStatus",
    "Site",
    "SkinBiopsy",
    "User",
    "Visit",
]
