from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from . import flags, jobs, me, patients, tokens
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
    path("patients/<uuid:public_id>/", patients.PatientDetail.as_view(),
         name="api-patient-detail"),
    path("flags/", flags.FlagList.as_view(), name="api-flag-list"),
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
    path("tokens/", tokens.TokenList.as_view(), name="api-token-list"),
    path("tokens/<uuid:public_id>/", tokens.TokenDetail.as_view(), name="api-token-detail"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include(v1)),
    re_path(r"^.*$", Unknown.as_view(), name="api-unknown"),
]
