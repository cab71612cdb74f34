"""Django admin: for superusers only (DESIGN §8). Clinical rows are read here, with history;
clinical writes go through the product's pages so they are validated and audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from cadm import models
from cadm.services.audit import audit_record
from cadm.services.users import access_changes_record, access_of


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(models.User)
class CadmUserAdmin(SuperuserOnly, UserAdmin):
    """Role (group), site and flag changes made here are audited as the site admins' pages
    audit theirs (cadm.services.users), with `via: admin`. The state before is read from the
    database in save_model, before the form writes the user and, in save_related, its
    groups and sites; the rows are written once both are saved."""

    fieldsets = UserAdmin.fieldsets + (("Sites", {"fields": ("sites",)}),)
    filter_horizontal = ("groups", "user_permissions", "sites")

    def save_model(self, request, obj, form, change):
        request._cadm_access_before = access_of(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        access_changes_record(actor=request.user, user=form.instance,
                              before=getattr(request, "_cadm_access_before", None), via="admin")

    def delete_model(self, request, obj):
        self._record_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self._record_delete(request, user)
        super().delete_queryset(request, queryset)

    @staticmethod
    def _record_delete(request, user) -> None:
        # Written before the delete, in the admin's transaction: a user who signed audit
        # rows cannot be deleted (PROTECT), and then this row goes with the refused delete.
        access = access_of(user)
        audit_record(actor=request.user, action="user.delete", target=user, detail={
            "username": user.username, "via": "admin", "from": list(access.groups),
            "sites": list(access.sites)})


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
