"""The two roles without clinical data: a privacy officer and a site admin, both of North."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def privacy_officer(site):
    return UserFactory(username="privacy", first_name="Rosa", last_name="Auditor",
                       role="privacy_officer", sites=[site])


@pytest.fixture
def site_admin(site):
    return UserFactory(username="siteadmin", first_name="Flo", last_name="Admin",
                       role="site_admin", sites=[site])


@pytest.fixture
def privacy_client(client, privacy_officer):
    client.force_login(privacy_officer)
    return client


@pytest.fixture
def admin_client_site(client, site_admin):
    client.force_login(site_admin)
    return client
