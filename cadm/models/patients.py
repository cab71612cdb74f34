import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Upper
from simple_history.models import HistoricalRecords

from cadm.rules import vocabulary as v

from .sites import Site


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed by the unique (site, lower(mrn)), whose first column serves every lookup by site.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients",
                             db_index=False)
    mrn = models.CharField("MRN", max_length=40)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    sex = models.CharField(max_length=6, choices=v.SEXES)
    birth_date = models.DateField()
    skin_onset_date = models.DateField(
        help_text="First hallmark skin sign: the onset of disease."
    )
    diagnosis_date = models.DateField(
        help_text="Date of the dermatomyositis diagnosis; anchors the cancer-screening plan."
    )
    recorded_subtype = models.CharField(
        max_length=20, choices=v.SUBTYPES, blank=True, help_text="What the care team has on record."
    )
    refractory_disease = models.BooleanField(
        default=False, help_text="Persistently high disease activity despite treatment."
    )
    high_npc_risk_region = models.BooleanField(
        "from a high nasopharyngeal-cancer region", default=False,
        help_text="Lives in or comes from a region with raised nasopharyngeal-carcinoma risk "
                  "(e.g. Southern China, South-East Asia): nasoendoscopy is suggested.",
    )
    notes = models.TextField(blank=True)
    # Counts saves, so an edit made on an older version is refused, never silently applied.
    row_version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            # "eval-001" and "EVAL-001" are one record number to a clinician.
            models.UniqueConstraint(models.F("site"), Lower("mrn"),
                                    name="patient_mrn_unique_per_site_ci"),
            # What a flag's (patient, site) refers to (Flag.site).
            models.UniqueConstraint(fields=["id", "site"], name="patient_id_site"),
            models.CheckConstraint(
                condition=models.Q(skin_onset_date__gte=models.F("birth_date")),
                name="patient_onset_not_before_birth",
            ),
            models.CheckConstraint(
                condition=models.Q(diagnosis_date__gte=models.F("birth_date")),
                name="patient_diagnosis_not_before_birth",
            ),
        ]
        indexes = [
            # Each ordering of the lists (pages, API, the worklist by patient), with the id
            # that keeps namesakes in the same order on every page: a page is read off the
            # index instead of sorting the whole site.
            models.Index(fields=["family_name", "given_name", "id"], name="patient_name_order"),
            models.Index(fields=["mrn", "id"], name="patient_mrn_order"),
            models.Index(fields=["birth_date", "id"], name="patient_birth_order"),
            models.Index(fields=["diagnosis_date", "id"], name="patient_diagnosis_order"),
            models.Index(fields=["created_at", "id"], name="patient_created_order"),
            # The search: an MRN in any case is UPPER(mrn) = UPPER(term); part of a name,
            # UPPER(name) LIKE '%TERM%', is served by trigram indexes, which only PostgreSQL
            # has: migration 0019 creates them there, outside this list, so that SQLite
            # never has to build them (it rebuilds a table's listed indexes on each change).
            models.Index(Upper("mrn"), name="patient_mrn_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"
