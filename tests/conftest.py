"""Personas and clients shared by every test (after healthchecks' Alice/Bob/Charlie)."""

import importlib
import os

import pytest

from tests.factories import PatientFactory, SiteFactory, UserFactory

# Sync Playwright runs an event loop in the main thread; Django would refuse DB access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Transactional tests (live_server, a real worker) flush every table after each test,
    data-migration rows included: put the role groups and rule-set version 1 back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"live_server", "transactional_db"} & set(request.fixturenames))
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module, function in (("0002_roles", "create_roles"),
                             ("0004_ruleset_version_1", "create_version_1")):
        getattr(importlib.import_module(f"cadm.migrations.{module}"), function)(apps, None)


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
