"""The FHIR R4 export's HTTP side: Patient/$everything, Patient read and search by
identifier, Observation read and search by patient (and code).

The REST API's doors: DRF views with its token and session authentication, its throttles,
and `required_perm = Perm.PATIENT_VIEW` (a rules admin is refused: 403); the patient is
looked up within the user's sites, so another site's patient is a 404, as is a malformed id.
What differs is the wire format: every answer, errors included, is `application/fhir+json`,
an error being an OperationOutcome with the HTTP status (the API's own handler decides the
status, headers and message; this module only reshapes its body). Whatever the Accept
header asks, the answer is FHIR JSON: it is the one format served.

The views are left out of the OpenAPI schema: FHIR has its own specification, and our
schema describes our API.
"""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cadm.models import Patient
from cadm.permissions import Perm
from cadm.selectors.patients import patient_get_for, patient_list_for
from cadm.services.audit_reads import refusal_outside_views

from . import export
from .http import FhirViewMixin


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("No such resource.") from None


@extend_schema(exclude=True)
class _FhirView(FhirViewMixin, APIView):
    required_perm = Perm.PATIENT_VIEW
    http_method_names = ["get", "head"]

    def patient(self, patient_id: str):
        return patient_get_for(user=self.request.user, public_id=_uuid_or_404(patient_id))

    def bundle(self, resources: list[dict]) -> Response:
        search_url = self.request.build_absolute_uri(reverse("fhir-patient-search"))
        context = export.BundleContext(base=search_url.removesuffix("Patient"),
                                       self_url=self.request.build_absolute_uri(),
                                       now=timezone.now())
        return Response(export.searchset(resources, context))


class PatientEverything(_FhirView):
    """GET Patient/<id>/$everything: a searchset Bundle of everything we hold."""

    def get(self, request, patient_id: str):
        patient = self.patient(patient_id)
        resources = export.patient_everything(patient, as_of=timezone.localdate())
        export.export_audit(actor=request.user, patient=patient, action="fhir.export",
                            detail={"operation": "$everything",
                                    "resources": export.resource_counts(resources)})
        return self.bundle(resources)


class PatientRead(_FhirView):
    def get(self, request, patient_id: str):
        patient = self.patient(patient_id)
        export.export_audit(actor=request.user, patient=patient, action="fhir.read",
                            detail={"resource": "Patient"})
        return Response(export.patient_resource(patient))


class PatientSearch(_FhirView):
    """GET Patient?identifier=[system]|value: within the user's sites only. FHIR's
    `POST Patient/_search` (PatientSearchPost) takes the same parameters in a form body, so
    that an MRN need not travel in an address that proxies log."""

    def get(self, request):
        return self.search(request, request.query_params.getlist("identifier"))

    def search(self, request, values: list[str]):
        if not any(values):
            raise ValidationError("Patients are searched by identifier only: "
                                  "identifier=system|value.")
        patients = list(export.patients_by_identifier(user=request.user, values=values))
        for patient in patients:
            export.export_audit(actor=request.user, patient=patient, action="fhir.search",
                                detail={"resource": "Patient", "by": "identifier"})
        return self.bundle([export.patient_resource(p) for p in patients])


class PatientSearchPost(PatientSearch):
    """POST Patient/_search, body `identifier=system|value` (application/x-www-form-urlencoded,
    as FHIR's search by POST)."""

    http_method_names = ["post"]
    parser_classes = [FormParser]

    def post(self, request):
        return self.search(request, request.data.getlist("identifier"))


def _patient_param(request) -> str:
    """The one patient an Observation search names: `patient=<id>`, `patient=Patient/<id>`,
    `subject=Patient/<id>` (an absolute reference too)."""
    values = [v for name in ("patient", "subject", "subject:Patient")
              for v in request.query_params.getlist(name) if v]
    if not values:
        raise ValidationError("Observations are searched by patient: patient=<id>.")
    if len(values) > 1 or "," in values[0]:
        raise ValidationError("Name one patient: patient=<id>.")
    return values[0].rsplit("Patient/", 1)[-1]


class ObservationSearch(_FhirView):
    """GET Observation?patient=<id>[&code=[system|]code,...]. A patient that is not one the
    user may see gives an empty searchset, as a search for no match does in FHIR; the
    attempt is recorded as a refusal when the id is one of our patients."""

    def get(self, request):
        patient_id = _patient_param(request)
        try:
            patient = patient_list_for(user=request.user).get(public_id=uuid.UUID(patient_id))
        except ValueError:
            return self.bundle([])
        except Patient.DoesNotExist:  # another site's patient: refused, and recorded so
            refusal_outside_views(request.user, patient_id)
            return self.bundle([])
        tokens = export.parse_tokens(request.query_params.getlist("code"))
        observations = export.patient_observation_list(patient, tokens)
        export.export_audit(actor=request.user, patient=patient, action="fhir.search",
                            detail={"resource": "Observation",
                                    "resources": export.resource_counts(observations),
                                    "by": "patient,code" if tokens else "patient"})
        return self.bundle(observations)


class ObservationRead(_FhirView):
    def get(self, request, observation_id: str):
        patient, resource = export.observation_get_for(user=request.user,
                                                       observation_id=observation_id)
        export.export_audit(actor=request.user, patient=patient, action="fhir.read",
                            detail={"resource": "Observation", "id": observation_id})
        return Response(resource)


@extend_schema(exclude=True)
class Unknown(FhirViewMixin, APIView):
    """Any other path under the FHIR base: FHIR's answer (an OperationOutcome), not an HTML
    page. No authentication: it reveals nothing but that the path does not exist."""

    authentication_classes = []
    permission_classes = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("No such FHIR resource type or operation here.")
