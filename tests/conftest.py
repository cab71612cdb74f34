"""Personas and clients shared by every test (after healthchecks' Alice/Bob/Charlie)."""

import os

import pytest

from tests.factories import PatientFactory, SiteFactory, UserFactory

# Sync Playwright runs an event loop in the main thread; Django would refuse DB access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site(db):
    return SiteFactory(code="north", name="North Clinic")


@pytest.fixture
def other_site(db):
    return SiteFactory(code="south", name="South Clinic")


@pytest.fixture
def rheumatologist(site):
    return UserFactory(username="rheum", role="rheumatologist", sites=[site])


@pytest.fixture
def dermatologist(site):
    return UserFactory(username="derm", role="dermatologist", sites=[site])


@pytest.fixture
def rules_admin(site):
    return UserFactory(username="ruleadmin", role="rules_admin", sites=[site])


@pytest.fixture
def outsider(other_site):
    """A rheumatologist of another site."""
    return UserFactory(username="outsider", role="rheumatologist", sites=[other_site])


@pytest.fixture
def patient(site, rheumatologist):
    return PatientFactory(site=site, created_by=rheumatologist, family_name="Testpatient")


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def rheum_client(client, rheumatologist):
    return _client_for(client, rheumatologist)


@pytest.fixture
def derm_client(client, dermatologist):
    return _client_for(client, dermatologist)
