"""Routes of the FHIR R4 export, included at fhir/r4/ (the FHIR base): FHIR's own paths, no
trailing slash. Ids are taken as text and checked by the views, so a malformed id is an
OperationOutcome 404 like any other unknown resource, not Django's HTML page."""

from django.urls import path

from . import export_views as views

urlpatterns = [
    path("Patient", views.PatientSearch.as_view(), name="fhir-patient-search"),
    path("Patient/_search", views.PatientSearchPost.as_view(), name="fhir-patient-search-post"),
    path("Patient/<str:patient_id>", views.PatientRead.as_view(), name="fhir-patient-read"),
    path("Patient/<str:patient_id>/$everything", views.PatientEverything.as_view(),
         name="fhir-patient-everything"),
    path("Observation", views.ObservationSearch.as_view(), name="fhir-observation-search"),
    path("Observation/<str:observation_id>", views.ObservationRead.as_view(),
         name="fhir-observation-read"),
]
