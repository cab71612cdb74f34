"""Cancer-screening records on cadm's visit page, results page and timeline."""

from cadm.permissions import Perm
from cadm.rules import facts as rf
from cadm.sections import ResultSection, register

from .forms import CancerScreeningForm
from .models import CancerScreeningRecord

register(ResultSection(
    "cancer-screening", "Cancer screening", CancerScreeningRecord, CancerScreeningForm,
    Perm.RESULT_RECORD, 90,
    lambda r: f"{r.get_panel_display()}: {r.get_result_display().lower()}",
    facts_key="cancer_screening",
    to_fact=lambda r: rf.ScreeningRecordFact(r.observed_on, r.panel, r.result),
))
