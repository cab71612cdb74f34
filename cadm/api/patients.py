"""Patients: list, detail, registration (POST) and correction (PATCH). Scoped exactly as the
pages: cadm.selectors.patients (the user's sites; none without patient.view). Another site's
patient is a 404. Identified by its UUID only.

Writes are a door of the input layer (cadm.inputs): the body's values go as they are to
PatientInput.parse, the one place they are checked, so a bad value gets the page's message,
keyed by the same field (`InputInvalid` becomes a 400 in cadm/api/errors.py); the services
(patient_create, patient_update) check permission, site, MRN uniqueness, the order of the
dates and the row version. The site is named by its code and must be one of the caller's.
`notes` (free text) is not offered by the API, read or write; a patient's site is not changed
by PATCH (a transfer is an administrative act, as on the edit page)."""

from __future__ import annotations

from functools import wraps

import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cadm.inputs import Context, InputInvalid, PatientInput
from cadm.inputs.patients import LABELS
from cadm.models import Patient
from cadm.permissions import Perm
from cadm.selectors.patients import patient_get_for, patient_list_for
from cadm.selectors.sites import site_list_for
from cadm.services.audit_reads import AuditedList, AuditedReads
from cadm.services.patients import CONFIRM_DATES_LABEL, patient_create, patient_update

from . import entries
from .concurrency import if_match_check, with_etag
from .errors import ErrorSerializer
from .idempotency import idempotent
from .ordering import StableOrdering
from .permissions import MethodPerms
from .search import SearchSerializer, search_body


class PatientSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(source="row_version", read_only=True,
                                       help_text="The row version; the ETag of the detail.")
    recorded_subtype = serializers.ChoiceField(
        choices=Patient._meta.get_field("recorded_subtype").choices, allow_blank=True,
        read_only=True, help_text="Empty when not recorded")

    class Meta:
        model = Patient
        fields = ["id", "site", "mrn", "family_name", "given_name", "sex", "birth_date",
                  "skin_onset_date", "diagnosis_date", "recorded_subtype", "refractory_disease",
                  "high_npc_risk_region", "version", "created_at"]
        read_only_fields = fields


class PatientFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", help_text="Site code")
    sex = django_filters.ChoiceFilter(choices=Patient._meta.get_field("sex").choices)
    recorded_subtype = django_filters.ChoiceFilter(
        choices=Patient._meta.get_field("recorded_subtype").choices)

    class Meta:
        model = Patient
        fields = ["site", "sex", "recorded_subtype"]


# ---------------------------------------------------------------- writes

WRITABLE = ("site", "mrn", "family_name", "given_name", "sex", "birth_date", "skin_onset_date",
            "diagnosis_date", "recorded_subtype", "refractory_disease",
            "high_npc_risk_region")
CONFIRM = "confirm_dates"
BOOLEANS = ("refractory_disease", "high_npc_risk_region")


class PatientWriteSerializer(serializers.Serializer):
    """The body of a registration (every field but the optional ones) or, for PATCH, any
    subset. Documentation only: the values are checked by cadm.inputs.PatientInput."""

    site = serializers.CharField(help_text="Site code, one of yours (registration only)")
    mrn = serializers.CharField(max_length=40)
    family_name = serializers.CharField()
    given_name = serializers.CharField()
    sex = serializers.ChoiceField(choices=Patient._meta.get_field("sex").choices)
    birth_date = serializers.DateField()
    skin_onset_date = serializers.DateField()
    diagnosis_date = serializers.DateField()
    recorded_subtype = serializers.ChoiceField(
        choices=Patient._meta.get_field("recorded_subtype").choices, required=False,
        allow_blank=True)
    refractory_disease = serializers.BooleanField(required=False)
    high_npc_risk_region = serializers.BooleanField(required=False)
    confirm_dates = serializers.BooleanField(
        required=False, help_text=f"{CONFIRM_DATES_LABEL}: needed when the diagnosis date is "
                                  f"before the skin onset date")


class PatientUpdateSerializer(PatientWriteSerializer):
    site = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


def _body(request, *, allowed: tuple[str, ...]) -> tuple[dict, bool]:
    """The JSON object's patient fields (as sent) and the dates confirmation; an unknown
    field is refused rather than ignored."""
    body = request.data
    if not isinstance(body, dict):
        raise ValidationError("The body must be a JSON object.")
    unknown = sorted(set(body) - set(allowed) - {CONFIRM})
    if unknown:
        accepted = ", ".join((*allowed, CONFIRM))
        raise ValidationError({name: [f"Unknown field; accepted: {accepted}."]
                               for name in unknown})
    confirmed = body.get(CONFIRM, False)
    if not isinstance(confirmed, bool):
        raise ValidationError({CONFIRM: [f"{CONFIRM_DATES_LABEL}: {confirmed!r} is not "
                                         f"true or false."]})
    nested = sorted(k for k, v in body.items() if isinstance(v, (list, dict)))
    if nested:
        raise ValidationError({name: [f"{LABELS[name]}: a list or an object is not accepted; "
                                      f"send one value."] for name in nested})
    return {k: _as_sent_by_a_form(k, v) for k, v in body.items() if k != CONFIRM}, confirmed


def _as_sent_by_a_form(name: str, value):
    """A JSON number (or a boolean where a text or a date is expected) as the text a form
    would send, so the parser's field cleaning answers it in its own words."""
    if value is None or isinstance(value, str) or name in BOOLEANS:
        return value
    return str(value).lower() if isinstance(value, bool) else str(value)


def _parse(raw: dict, *, context: Context, partial: bool, site_problem: str | None = None):
    """PatientInput.parse; a site code that is not one of the caller's replaces the parser's
    generic site message, the other fields' problems kept."""
    try:
        parsed = PatientInput.parse(raw, context=context, partial=partial)
    except InputInvalid as exc:
        errors = exc.message_dict
        if site_problem:
            errors["site"] = [site_problem]
        raise ValidationError(errors) from None
    if site_problem:
        raise ValidationError({"site": [site_problem]})
    return parsed


def _write_headers(handler):
    """ETag (and Location for a registration) on the response, a replayed one included (the
    idempotency store keeps the body, from which both follow)."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        response = handler(view, request, *args, **kwargs)
        if response.status_code in (200, 201) and isinstance(response.data, dict):
            response["ETag"] = f'"{response.data["version"]}"'
            if response.status_code == 201:
                response["Location"] = request.build_absolute_uri(
                    reverse("api-patient-detail", args=[response.data["id"]]))
        return response

    return wrapper


SEARCH_MOVED = ("Patient search terms are not accepted in the URL, which proxies and servers "
                "log: POST them to /api/v1/patients/search/ as {\"q\": \"...\"} (the other "
                "filters, ordering and page stay in the query string).")


class _Patients(AuditedList, MethodPerms, generics.ListAPIView):
    required_perm = Perm.PATIENT_VIEW
    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, StableOrdering]
    ordering_fields = ["family_name", "given_name", "mrn", "birth_date", "diagnosis_date",
                       "created_at"]
    ordering = ["family_name", "given_name", "id"]

    def search(self) -> str:
        return ""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Patient.objects.none()
        return patient_list_for(user=self.request.user, query=self.search())


@extend_schema(tags=["patients"])
class PatientList(_Patients):
    """The patients of your sites; POST registers one (patient.write). To search by name or
    MRN, POST to patients/search/: `?q=` is refused (a 400 that says so)."""

    write_perm = Perm.PATIENT_WRITE

    def search(self) -> str:
        if "q" in self.request.query_params:
            raise ValidationError({"q": [SEARCH_MOVED]})
        return ""

    @extend_schema(request=PatientWriteSerializer, responses={
        201: OpenApiResponse(PatientSerializer, description="Registered; Location and ETag "
                                                            "headers name it"),
        400: ErrorSerializer, 403: ErrorSerializer})
    @_write_headers
    @idempotent()
    def post(self, request):
        raw, confirmed = _body(request, allowed=WRITABLE)
        code = raw.get("site")
        site, site_problem = None, None
        if code is not None:
            mine = list(site_list_for(user=request.user))
            site = next((s for s in mine if s.code == code), None)
            if site is None:
                site_problem = (f"Site: {code!r} is not one of your sites; accepted: one of: "
                                f"{', '.join(s.code for s in mine)}.")
        parsed = _parse({**raw, "site": site}, partial=False, site_problem=site_problem,
                        context=Context(today=entries.today(), confirmed=confirmed))
        patient = patient_create(actor=request.user, data=parsed)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["patients"])
class PatientSearch(_Patients):
    """Search the patients of your sites by name or MRN, sent in the body so that no URL (and
    no proxy's log) holds them. Filters, ordering and the page stay in the query string; the
    `next` and `previous` links are to POST with the same body."""

    audit_post_reads = True
    http_method_names = ["post", "options"]

    def search(self) -> str:
        return search_body(self.request, moved=SEARCH_MOVED)

    @extend_schema(request=SearchSerializer, responses={
        200: PatientSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        return self.list(request)


@extend_schema(tags=["patients"])
class PatientDetail(AuditedReads, MethodPerms, generics.RetrieveAPIView):
    """One patient; the ETag header is its version (send it in If-Match to update)."""

    required_perm = Perm.PATIENT_VIEW
    write_perm = Perm.PATIENT_WRITE
    http_method_names = ["get", "patch", "head", "options"]
    serializer_class = PatientSerializer
    lookup_field = "public_id"
    queryset = Patient.objects.none()  # the object comes from the selector, scoped to sites

    def get_object(self):
        return patient_get_for(user=self.request.user, public_id=self.kwargs["public_id"])

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        return with_etag(Response(self.get_serializer(patient).data), patient)


    @extend_schema(
        request=PatientUpdateSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                                     description="The ETag of the detail you read")],
        responses={200: OpenApiResponse(PatientSerializer, description="Saved; the ETag "
                                                                      "header is the new version"),
                   400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                   412: ErrorSerializer, 428: ErrorSerializer})
    @_write_headers
    @idempotent()
    def patch(self, request, public_id):
        """Correct some details (only the fields sent); the previous values stay in the
        history. 428 without If-Match, 412 when someone saved since your read."""
        patient = self.get_object()
        expected = if_match_check(request, patient)
        raw, confirmed = _body(request, allowed=WRITABLE)
        if "site" in raw:
            raise ValidationError({"site": ["Site: not changed by an edit; moving a patient "
                                            "to another site is an administrative act."]})
        parsed = _parse(raw, partial=True, context=Context(
            today=entries.today(), confirmed=confirmed, birth_date=patient.birth_date))
        patient = patient_update(actor=request.user, patient=patient, data=parsed,
                                 expected_version=expected)
        return Response(PatientSerializer(patient).data)
