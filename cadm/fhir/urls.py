"""Routes under fhir/r4/ (the FHIR base), included by cadm/urls.py. A plain list: the FHIR
export's routes may be appended here."""

from django.urls import include, path, re_path

from . import export_views, import_views

urlpatterns = [
    path("", import_views.BundleImport.as_view(), name="fhir-import"),
    # FHIR export: Patient/$everything, Patient and Observation read and search.
    path("", include("cadm.fhir.export_urls")),
    # Last: any other path is FHIR's 404 ([\s\S]: a newline, %0A, too).
    re_path(r"^[\s\S]+$", export_views.Unknown.as_view(), name="fhir-unknown"),
]
