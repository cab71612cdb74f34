"""The screening plan's API routes, under /api/v1/ (included by cadm/api/urls.py by name)."""

from django.urls import path

from . import api

urlpatterns = [
    path("patients/<uuid:public_id>/screening/", api.Screening.as_view(),
         name="api-patient-screening"),
    path("patients/<uuid:public_id>/screening/items/<uuid:item_id>/record/",
         api.ScreeningTestRecord.as_view(), name="api-patient-screening-record"),
    path("patients/<uuid:public_id>/screening/outcome/", api.screening_outcome,
         name="api-patient-screening-outcome"),
    path("patients/<uuid:public_id>/screening/close/", api.screening_close,
         name="api-patient-screening-close"),
    path("patients/<uuid:public_id>/screening/reopen/", api.screening_reopen,
         name="api-patient-screening-reopen"),
]
