from django.contrib import admin

from cadm.admin import ReadOnlyHistoryAdmin

from .models import HrctStudy, PulmonaryFunctionTest, SixMinuteWalk

for model in (PulmonaryFunctionTest, HrctStudy, SixMinuteWalk):
    admin.site.register(model, ReadOnlyHistoryAdmin)
