"""After login, the oversight roles land on their own work, not on "No role yet"."""

from django.urls import reverse


def test_a_privacy_officer_lands_on_the_audit_trail(client, privacy_officer):
    client.force_login(privacy_officer)
    assert client.get(reverse("home"))["Location"] == reverse("audit-trail")


def test_a_site_admin_lands_on_the_accounts(client, site_admin):
    client.force_login(site_admin)
    assert client.get(reverse("home"))["Location"] == reverse("user-list")
