from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cadm.views import entry, flags, health, home, jobs, patients

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cohort/", home.cohort_summary, name="cohort-summary"),
    path("jobs/", jobs.job_list, name="job-list"),
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/new/", patients.patient_new, name="patient-new"),
    path("patients/<uuid:public_id>/", patients.patient_detail, name="patient-detail"),
    path("patients/<uuid:public_id>/edit/", patients.patient_edit, name="patient-edit"),
    path("patients/<uuid:public_id>/visits/new/", entry.visit_new, name="visit-new"),
    path("patients/<uuid:public_id>/results/<slug:section_key>/new/", entry.results_new,
         name="results-new"),
    path("flags/", flags.worklist, name="worklist"),
    path("flags/<uuid:public_id>/", flags.flag_detail, name="flag-detail"),
    path("flags/<uuid:public_id>/<slug:action>/", flags.flag_act, name="flag-act"),
    path("", include("screening.urls")),
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
]
