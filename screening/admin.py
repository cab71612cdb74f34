from django.contrib import admin

from cadm.admin import ReadOnlyHistoryAdmin

from .models import CancerScreeningRecord

admin.site.register(CancerScreeningRecord, ReadOnlyHistoryAdmin)
