from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from . import audit, derived, flags, jobs, me, patients, record_detail, records, tokens
from . import rulesets_read as rs_read
from . import rulesets_write as rs_write
from .permissions import ANY_USER


@extend_schema(exclude=True)
class Unknown(APIView):
    """Any other path under /api/: a 404 in the API's error shape, not an HTML page."""

    required_perm = ANY_USER
    permission_classes = []
    authentication_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound()


v1 = [
    path("me/", me.Me.as_view(), name="api-me"),
    path("patients/", patients.PatientList.as_view(), name="api-patient-list"),
    # Searches by name or MRN are POSTed: a URL holding them would be logged (issue 14 §7).
    path("patients/search/", patients.PatientSearch.as_view(), name="api-patient-search"),
    path("patients/<uuid:public_id>/", patients.PatientDetail.as_view(),
         name="api-patient-detail"),
    path("patients/<uuid:public_id>/state/", derived.PatientState.as_view(),
         name="api-patient-state"),
    # The screening app's own routes (cadm imports no other app: included by name).
    path("", include("screening.api_urls")),
    path("audit/", audit.AuditList.as_view(), name="api-audit-list"),
    path("patients/<uuid:public_id>/visits/", records.VisitList.as_view(),
         name="api-patient-visits"),
    path("patients/<uuid:public_id>/visits/<uuid:row_id>/", record_detail.VisitDetail.as_view(),
         name="api-patient-visit"),
    path("patients/<uuid:public_id>/visits/<uuid:row_id>/entered-in-error/",
         record_detail.VisitEnteredInError.as_view(), name="api-patient-visit-entered-in-error"),
    *(path(f"patients/<uuid:public_id>/results/{kind}/", view,
           name=f"api-patient-results-{kind}") for kind, view in records.RESULT_VIEWS.items()),
    *(route for kind, (detail, mark) in record_detail.RESULT_DETAIL_VIEWS.items() for route in (
        path(f"patients/<uuid:public_id>/results/{kind}/<uuid:row_id>/", detail,
             name=f"api-patient-result-{kind}"),
        path(f"patients/<uuid:public_id>/results/{kind}/<uuid:row_id>/entered-in-error/", mark,
             name=f"api-patient-result-{kind}-entered-in-error"))),
    path("flags/", flags.FlagList.as_view(), name="api-flag-list"),
    path("flags/search/", flags.FlagSearch.as_view(), name="api-flag-search"),
    path("flags/<uuid:public_id>/", flags.FlagDetail.as_view(), name="api-flag-detail"),
    path("flags/<uuid:public_id>/acknowledge/", flags.flag_acknowledge,
         name="api-flag-acknowledge"),
    path("flags/<uuid:public_id>/dismiss/", flags.flag_dismiss, name="api-flag-dismiss"),
    path("flags/<uuid:public_id>/snooze/", flags.flag_snooze, name="api-flag-snooze"),
    path("flags/<uuid:public_id>/comment/", flags.flag_comment, name="api-flag-comment"),
    path("flags/<uuid:public_id>/accept/", flags.flag_accept, name="api-flag-accept"),
    path("flags/<uuid:public_id>/reject/", flags.flag_reject, name="api-flag-reject"),
    path("jobs/", jobs.JobList.as_view(), name="api-job-list"),
    path("jobs/<uuid:public_id>/", jobs.JobDetail.as_view(), name="api-job-detail"),
    path("rulesets/", rs_read.RuleSetList.as_view(), name="api-ruleset-list"),
    path("rulesets/alarms/", rs_read.RuleSetAlarms.as_view(), name="api-ruleset-alarms"),
    # GET as rulesets_read.RuleSetDetail; PUT/PATCH edit a draft.
    path("rulesets/<int:number>/", rs_write.RuleSetDetailEdit.as_view(),
         name="api-ruleset-detail"),
    path("rulesets/<int:number>/diff/", rs_read.RuleSetDiff.as_view(), name="api-ruleset-diff"),
    path("rulesets/<int:number>/history/", rs_read.RuleSetHistory.as_view(),
         name="api-ruleset-history"),
    path("rulesets/<int:number>/metrics/", rs_read.RuleSetMetrics.as_view(),
         name="api-ruleset-metrics"),
    path("rulesets/<int:number>/clone/", rs_write.RuleSetClone.as_view(),
         name="api-ruleset-clone"),
    path("rulesets/<int:number>/submit/", rs_write.RuleSetSubmit.as_view(),
         name="api-ruleset-submit"),
    path("rulesets/<int:number>/approve/", rs_write.RuleSetApprove.as_view(),
         name="api-ruleset-approve"),
    path("rulesets/<int:number>/reject/", rs_write.RuleSetReject.as_view(),
         name="api-ruleset-reject"),
    path("rulesets/<int:number>/preview/", rs_write.RuleSetPreview.as_view(),
         name="api-ruleset-preview"),
    path("rulesets/<int:number>/preview/<uuid:job_id>/cancel/",
         rs_write.RuleSetPreviewCancel.as_view(), name="api-ruleset-preview-cancel"),
    path("rulesets/<int:number>/activate/", rs_write.RuleSetActivate.as_view(),
         name="api-ruleset-activate"),
    path("rulesets/<int:number>/reevaluate/", rs_write.RuleSetReevaluate.as_view(),
         name="api-ruleset-reevaluate"),
    path("tokens/", tokens.TokenList.as_view(), name="api-token-list"),
    path("tokens/<uuid:public_id>/", tokens.TokenDetail.as_view(), name="api-token-detail"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A person opening the docs without a session is sent to log in, as on every page.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("v1/", include(v1)),
    # [\s\S]: a path may hold a newline (%0A), which "." would not match.
    re_path(r"^[\s\S]*$", Unknown.as_view(), name="api-unknown"),
]
