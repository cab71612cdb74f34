"""Django admin: for superusers only (DESIGN §8). Clinical rows are read here, with history;
clinical writes go through the product's pages so they are validated and audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from cadm import models


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(models.User)
class CadmUserAdmin(SuperuserOnly, UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Sites", {"fields": ("sites",)}),)
    filter_horizontal = ("groups", "user_permissions", "sites")


@admin.register(models.Site)
class SiteAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("code", "name")


class ReadOnlyHistoryAdmin(SuperuserOnly, SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (models.Patient, models.Visit, models.LabResult, models.AutoantibodyResult,
              models.MuscleStudy, models.SkinBiopsy, models.Medication, models.EyeExam):
    admin.site.register(model, ReadOnlyHistoryAdmin)


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyHistoryAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_id")
    list_filter = ("action",)


@admin.register(models.JobRun)
class JobRunAdmin(ReadOnlyHistoryAdmin):
    list_display = ("created_at", "kind", "state", "progress", "total")
