"""Routes under fhir/r4/ (the FHIR base), included by cadm/urls.py. A plain list: the FHIR
export's routes may be appended here."""

from django.urls import include, path

from . import import_views

urlpatterns = [
    path("", import_views.BundleImport.as_view(), name="fhir-import"),
    # FHIR export: Patient/$everything, Patient and Observation read and search.
    path("", include("cadm.fhir.export_urls")),
]
