from django.contrib import admin

from cadm.admin import ReadOnlyHistoryAdmin

from .models import HrctStudy, PpfAssessment, PulmonaryFunctionTest, SixMinuteWalk

for model in (PulmonaryFunctionTest, HrctStudy, SixMinuteWalk, PpfAssessment):
    admin.site.register(model, ReadOnlyHistoryAdmin)
