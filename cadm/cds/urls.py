"""CDS Hooks routes, at the paths the specification fixes: {baseUrl}/cds-services, then
/{id} and /{id}/feedback. No trailing slash (an EHR builds these URLs itself)."""

from django.urls import path

from . import views

urlpatterns = [
    path("cds-services", views.discovery, name="cds-discovery"),
    path("cds-services/<str:service_id>", views.service, name="cds-service"),
    path("cds-services/<str:service_id>/feedback", views.feedback, name="cds-feedback"),
]
