"""Django admin: for superusers only (DESIGN §8). Clinical rows are read here, with history;
clinical writes go through the product's pages so they are validated and audited."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from cadm import models
from cadm.services.audit import audit_record
from cadm.services.audit_reads import audit_read
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


def _patient_ids(objects) -> set[int]:
    return {obj.pk if isinstance(obj, models.Patient) else obj.patient_id for obj in objects
            if isinstance(obj, models.Patient) or getattr(obj, "patient_id", None)}


class ReadOnlyHistoryAdmin(SuperuserOnly, SimpleHistoryAdmin):
    """Read-only, and every page that shows a patient's rows records a read as the product's
    pages do (cadm.services.audit_reads): a superuser's look is a look at the patient."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None and self._read(request, response):
            self._record(request, "list", _patient_ids(cl.result_list), many=True)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._record_one(request, response, object_id, "change")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._record_one(request, response, object_id, "history")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._record_one(request, response, object_id, "history_version")
        return response

    def _holds_patients(self) -> bool:
        return self.model is models.Patient or any(
            f.name == "patient" for f in self.model._meta.concrete_fields)

    def _read(self, request, response) -> bool:
        return (self._holds_patients() and request.method in ("GET", "HEAD")
                and response.status_code == 200)

    def _record_one(self, request, response, object_id, page: str) -> None:
        if not self._read(request, response):
            return
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            self._record(request, page, _patient_ids([obj]), many=False)

    def _record(self, request, page: str, patient_ids: set[int], *, many: bool) -> None:
        found = list(models.Patient.objects.filter(pk__in=patient_ids))
        what = f"admin:{self.opts.label_lower}:{page}"
        if many:
            audit_read(request.user, what=what, patients=found)
        elif found:
            audit_read(request.user, what=what, patient=found[0])

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
