"""Typed inputs owned by the services (issue 11, section 1).

Every write starts from one of these frozen dataclasses, built by `<Input>.parse(raw, *,
context)`. The parser is the one place a value is checked: types and choices, units
normalised, plausibility ranges (clinical-reference.md §6.2 via cadm.rules.measurements),
soft ranges that need confirmation, dates against birth and today, cross-field rules. It
raises one exception type, `InputInvalid`, whose `errors` map a field (the input's own field
name) to its messages, each naming the field, the value and what is accepted, in the words
the forms used before (cadm.validation, cadm.forms.messages), so no message changed.

The doors only translate:

- an HTML form runs Django's field cleaning (the widget's text to a value), then hands its
  cleaned values to the parser in `clean()` and puts `InputInvalid.errors` back on its fields;
- the case-file loader (`import_case`) maps its JSON keys onto the input's fields, calls the
  same parser, and turns a field back into the JSON path;
- the API (next) and FHIR import (issue 12) will do the same from a serializer or a mapper.

Services take the typed inputs, not dicts, and check permission and site themselves: an input
says that a value is acceptable, never that this actor may write it there.

`Context` carries what a parser may need beyond the raw values: today, the patient's birth
date, whether the user confirmed unusual values, and the active rule set's entry limits. No
request, no HTML, no database read: the caller fetches what the context needs.

Raw values may be text (a form's data, a case file's JSON) or already typed (a Decimal, a
date); the coercion uses Django's form fields of the model field (no widget, no HTML), so a
wrong type gets the exact message of the form (cadm.forms.messages.rewritten).

Slice 1 holds the lab result (`LabInput`), the patient (`PatientInput`) and the medication
dose guard (`dose_refusal`, shared by both case-file commands and the services). Slice 2 adds
a new medication course (`MedicationInput`: dose above 0 and within the rule set's guard when
the context carries the rule set, drug named for "other", end date not in the future nor
before the start) and the two changes of a course (`CourseStopInput`, `DoseChangeInput`);
the checks that need the stored course (before its start, already stopped) stay the
service's; and a visit's examination (`VisitInput`: date against birth and today, codes of
the vocabularies, weight and MMT-8 within §6.2). The other results of a day follow
(cadm.inputs.results): an autoantibody (`AutoantibodyInput`: vocabularies, grade 1–3), a
muscle study (`MuscleStudyInput`: histology findings on a biopsy only), a skin biopsy
(`SkinBiopsyInput`) and a retinal screening (`EyeExamInput`), each with its date, when the
door sends one, against birth and today. The lung results (cadm.inputs.lung): a pulmonary
function test (`PftInput`), an HRCT (`HrctInput`: findings from the vocabulary), a 6-minute
walk (`SixMinuteWalkInput`: nadir not above rest), each number within §6.2, and the PPF
judgement (`PpfAssessmentInput`: yes or no). Cancer screening (cadm.inputs.screening): a panel's
result row (`CancerScreeningInput`), a test of a plan item done (`ScreeningTestInput`: date
and result together), the outcome of a finding (`ScreeningOutcomeInput`) and the end and
resumption of screening (`ScreeningCloseInput`, `ScreeningReopenInput`: a reason required).
The actions that are not results: a flag's review (cadm.inputs.flags: `AcknowledgeInput`,
`DismissInput` with an HL7 override reason, `SnoozeInput` within the rule set's longest
snooze, `CommentInput`; a reclassification is accepted or rejected with the first two), a
record entered in error (`EnteredInErrorInput`: a reason) and a rule-set version's lifecycle
(cadm.inputs.rulesets: `CloneInput`, `DraftInput` with every parameter against its schema,
`ApprovalInput`, `RejectionInput` with its reason, `ActivationInput`, the confirmation).
"""

from .base import Context, InputInvalid
from .corrections import EnteredInErrorInput
from .flags import AcknowledgeInput, CommentInput, DismissInput, SnoozeInput
from .labs import LabInput
from .lung import HrctInput, PftInput, PpfAssessmentInput, SixMinuteWalkInput
from .medications import CourseStopInput, DoseChangeInput, MedicationInput, dose_refusal
from .patients import PatientInput
from .results import AutoantibodyInput, EyeExamInput, MuscleStudyInput, SkinBiopsyInput
from .rulesets import (
    ActivationInput,
    ApprovalInput,
    CloneInput,
    DraftInput,
    RejectionInput,
)
from .screening import (
    CancerScreeningInput,
    ScreeningCloseInput,
    ScreeningOutcomeInput,
    ScreeningReopenInput,
    ScreeningTestInput,
)
from .visits import VisitInput

__all__ = ["AutoantibodyInput", "Context", "CourseStopInput", "DoseChangeInput", "EyeExamInput",
           "InputInvalid", "LabInput", "MedicationInput", "MuscleStudyInput", "PatientInput",
           "SkinBiopsyInput", "VisitInput", "dose_refusal",
           "HrctInput", "PftInput", "PpfAssessmentInput", "SixMinuteWalkInput",
           "CancerScreeningInput", "ScreeningCloseInput", "ScreeningOutcomeInput",
           "ScreeningReopenInput", "ScreeningTestInput",
           "AcknowledgeInput", "CommentInput", "DismissInput", "SnoozeInput",
           "EnteredInErrorInput", "ActivationInput", "ApprovalInput", "CloneInput",
           "DraftInput", "RejectionInput"]
