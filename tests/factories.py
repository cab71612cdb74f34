"""factory_boy factories with a fixed seed: realistic synthetic values, never real people."""

import datetime as dt

import factory
import factory.random
from django.contrib.auth.models import Group

from cadm.models import AutoantibodyResult, LabResult, Patient, Site, User, Visit
from monitoring.models import HrctStudy, PulmonaryFunctionTest

factory.random.reseed_random("cadm-tests")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site{n}")
    name = factory.Sequence(lambda n: f"Clinic {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw-for-tests-only")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        for site in extracted or ():
            self.sites.add(site)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    site = factory.SubFactory(SiteFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    family_name = factory.Faker("last_name")
    given_name = factory.Faker("first_name_female")
    sex = "female"
    birth_date = dt.date(1980, 3, 3)
    skin_onset_date = dt.date(2024, 12, 1)
    diagnosis_date = dt.date(2025, 1, 20)
    created_by = factory.SubFactory(UserFactory)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    patient = factory.SubFactory(PatientFactory)
    visit_on = dt.date(2025, 1, 20)
    clinician = factory.SelfAttribute("patient.created_by")
    skin = factory.LazyFunction(lambda: ["heliotrope", "gottron_papules"])
    assessed = factory.LazyFunction(lambda: ["skin", "strength", "symptoms"])


class LabResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabResult

    patient = factory.SubFactory(PatientFactory)
    observed_on = dt.date(2025, 1, 20)
    recorded_by = factory.SelfAttribute("patient.created_by")
    analyte = "ck"
    value = 120
    unit = "U/L"
    value_normalised = factory.SelfAttribute("value")
    unit_normalised = "U/L"
    upper_limit = 192
    upper_limit_normalised = factory.SelfAttribute("upper_limit")


class AntibodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AutoantibodyResult

    patient = factory.SubFactory(PatientFactory)
    observed_on = dt.date(2025, 1, 20)
    recorded_by = factory.SelfAttribute("patient.created_by")
    antibody = "mda5"
    result = "positive"
    method = "line_blot"


class PftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PulmonaryFunctionTest

    patient = factory.SubFactory(PatientFactory)
    observed_on = dt.date(2025, 1, 20)
    recorded_by = factory.SelfAttribute("patient.created_by")
    fvc_pct_predicted = 85
    dlco_pct_predicted = 75


class HrctFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HrctStudy

    patient = factory.SubFactory(PatientFactory)
    observed_on = dt.date(2025, 1, 20)
    recorded_by = factory.SelfAttribute("patient.created_by")
    ild = False
    findings = factory.LazyFunction(list)
