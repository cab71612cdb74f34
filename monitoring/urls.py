from django.urls import path

from .views import cohort, lung

urlpatterns = [
    path("patients/<uuid:public_id>/lung/", lung.lung_detail, name="lung-detail"),
    path("patients/<uuid:public_id>/lung/series.json", lung.lung_series, name="lung-series"),
    path("lung/cohort/", cohort.lung_cohort, name="lung-cohort"),
]
