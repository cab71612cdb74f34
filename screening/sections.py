"""Cancer-screening records on cadm's visit page, results page and timeline."""

from cadm.choice_labels import shown
from cadm.permissions import Perm
from cadm.rules import facts as rf
from cadm.sections import ResultSection, register

from .forms import CancerScreeningForm
from .models import CancerScreeningRecord

register(ResultSection(
    "cancer-screening", "Cancer screening", CancerScreeningRecord, CancerScreeningForm,
    Perm.RESULT_RECORD, 90,
    lambda r: f"{shown(r, 'panel')}: {shown(r, 'result').lower()}",
    facts_key="cancer_screening",
    to_fact=lambda r: rf.ScreeningRecordFact(r.observed_on, r.panel, r.result),
))
