from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cadm.views import entry, flags, health, home, jobs, patients, rulesets

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cohort/", home.cohort_summary, name="cohort-summary"),
    path("jobs/", jobs.job_list, name="job-list"),
    path("rulesets/", rulesets.ruleset_list, name="ruleset-list"),
    path("rulesets/<int:number>/", rulesets.ruleset_detail, name="ruleset-detail"),
    path("rulesets/<int:number>/clone/", rulesets.ruleset_clone, name="ruleset-clone"),
    path("rulesets/<int:number>/edit/", rulesets.ruleset_edit, name="ruleset-edit"),
    path("rulesets/<int:number>/preview/", rulesets.ruleset_preview, name="ruleset-preview"),
    path("rulesets/<int:number>/preview/<int:job_id>/cancel/", rulesets.ruleset_preview_cancel,
         name="ruleset-preview-cancel"),
    path("rulesets/<int:number>/<slug:action>/", rulesets.ruleset_act, name="ruleset-act"),
    path("rulesets/jobs/<int:job_id>/status/", rulesets.ruleset_job_status,
         name="ruleset-job-status"),
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/new/", patients.patient_new, name="patient-new"),
    path("patients/<uuid:public_id>/", patients.patient_detail, name="patient-detail"),
    path("patients/<uuid:public_id>/edit/", patients.patient_edit, name="patient-edit"),
    path("patients/<uuid:public_id>/visits/new/", entry.visit_new, name="visit-new"),
    path("patients/<uuid:public_id>/results/<slug:section_key>/new/", entry.results_new,
         name="results-new"),
    path("patients/<uuid:public_id>/results/<slug:section_key>/<uuid:record_id>/error/",
         entry.record_entered_in_error, name="record-entered-in-error"),
    path("flags/", flags.worklist, name="worklist"),
    path("flags/<uuid:public_id>/", flags.flag_detail, name="flag-detail"),
    path("flags/<uuid:public_id>/<slug:action>/", flags.flag_act, name="flag-act"),
    path("", include("screening.urls")),
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
]
