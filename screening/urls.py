from django.urls import path

from .views import cohort, plan

urlpatterns = [
    path("patients/<uuid:public_id>/screening/", plan.plan_detail, name="screening-plan"),
    path("patients/<uuid:public_id>/screening/sheet/", plan.patient_sheet,
         name="screening-sheet"),
    path("patients/<uuid:public_id>/screening/items/<int:item_id>/", plan.item_record,
         name="screening-item-record"),
    path("patients/<uuid:public_id>/screening/outcome/", plan.plan_decide,
         {"decision": "outcome"}, name="screening-outcome"),
    path("patients/<uuid:public_id>/screening/close/", plan.plan_decide,
         {"decision": "close"}, name="screening-close"),
    path("patients/<uuid:public_id>/screening/reopen/", plan.plan_decide,
         {"decision": "reopen"}, name="screening-reopen"),
    path("screening/cohort/", cohort.cohort, name="screening-cohort"),
]
