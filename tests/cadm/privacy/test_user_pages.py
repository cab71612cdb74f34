"""The site admin's account pages and the one-time set-password link: what each role gets, the
link shown once and working once, forged values refused, the Django admin's changes
audited."""

import re

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from cadm.models import AuditEvent, User
from cadm.permissions import Role, roles_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "heliotrope-violet-42"


def create(client, site, **overrides):
    data = {"username": "newrheum", "first_name": "Noor", "last_name": "Rheumer",
            "role": "rheumatologist", "sites": [site.pk]} | overrides
    return client.post(reverse("user-new"), data)


def link_of(response) -> str:
    return re.search(r'data-testid="set-password-link">([^<]+)<', response.content.decode())[1]


@pytest.mark.parametrize("role", ["rheumatologist", "dermatologist", "rules_admin",
                                  "privacy_officer"])
def test_other_roles_get_no_user_page(client, site, rheumatologist, role):
    client.force_login(UserFactory(role=role, sites=[site]))
    for url in (reverse("user-list"), reverse("user-new"),
                reverse("user-detail", args=[rheumatologist.pk])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("user-deactivate", args=[rheumatologist.pk])).status_code == 403


def test_the_list_holds_the_users_of_my_sites_only(admin_client_site, rheumatologist,
                                                   outsider, rules_admin):
    body = admin_client_site.get(reverse("user-list")).content.decode()
    assert "rheum" in body and "ruleadmin" in body and "outsider" not in body
    assert admin_client_site.get(reverse("user-detail", args=[outsider.pk])).status_code == 404
    # A rules admin of my site is listed, but not mine to change.
    page = admin_client_site.get(reverse("user-detail", args=[rules_admin.pk]))
    assert "a role above yours" in page.content.decode()
    assert admin_client_site.post(reverse("user-deactivate", args=[rules_admin.pk])
                                  ).status_code == 403


def test_create_shows_the_link_once_and_it_works_once(admin_client_site, site, client):
    response = create(admin_client_site, site)
    assert response.status_code == 200  # the answer itself: no redirect carries the link
    link = link_of(response)
    user = User.objects.get(username="newrheum")
    assert roles_of(user) == {Role.RHEUMATOLOGIST}
    assert "for 3 days at most" in response.content.decode()
    assert link not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    # The list page, and the account's page, never show it again.
    assert link not in admin_client_site.get(reverse("user-list")).content.decode()
    assert link not in admin_client_site.get(
        reverse("user-detail", args=[user.pk])).content.decode()

    client.logout()
    first = client.get(link)  # Django moves the token into the session before the form
    assert first.status_code == 302 and "set-password" in first["Location"]
    assert client.get(first["Location"]).context["validlink"]
    done = client.post(first["Location"], {"new_password1": PASSWORD,
                                           "new_password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert authenticate(username="newrheum", password=PASSWORD) == user
    row = AuditEvent.objects.get(action="user.password_set")
    assert (row.actor, row.target_id) == (user, str(user.pk))
    # Used once: dead.
    again = client.get(link, follow=True)
    assert not again.context["validlink"]


def test_a_weak_password_is_refused_on_the_link_page(admin_client_site, site, client):
    link = link_of(create(admin_client_site, site))
    client.logout()
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "12345678901",
                                      "new_password2": "12345678901"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not User.objects.get(username="newrheum").has_usable_password()


def test_a_deactivated_accounts_link_is_dead(admin_client_site, site, client):
    link = link_of(create(admin_client_site, site))
    user = User.objects.get(username="newrheum")
    admin_client_site.post(reverse("user-deactivate", args=[user.pk]))
    client.logout()
    assert not client.get(link, follow=True).context["validlink"]


def test_a_forged_role_or_site_is_refused_with_its_field(admin_client_site, site, other_site):
    response = create(admin_client_site, site, role="rules_admin")
    assert response.status_code == 400
    assert response.context["form"].errors["role"] == [
        "Role: 'rules_admin' is not one of the choices; accepted: one of: Rheumatologist, "
        "Dermatologist, Site admin."]
    response = create(admin_client_site, site, sites=[other_site.pk])
    assert response.status_code == 400
    assert "Sites:" in response.context["form"].errors["sites"][0]
    assert str(other_site.pk) in response.context["form"].errors["sites"][0]
    assert not User.objects.filter(username="newrheum").exists()


def test_role_sites_and_active_state_through_the_pages(admin_client_site, dermatologist):
    detail = reverse("user-detail", args=[dermatologist.pk])
    assert admin_client_site.post(reverse("user-role", args=[dermatologist.pk]),
                                  {"role": "rheumatologist"})["Location"] == detail
    assert admin_client_site.post(reverse("user-deactivate", args=[dermatologist.pk])
                                  )["Location"] == detail
    assert admin_client_site.post(reverse("user-reactivate", args=[dermatologist.pk])
                                  )["Location"] == detail
    response = admin_client_site.post(reverse("user-sites", args=[dermatologist.pk]), {})
    assert response.status_code == 400
    assert "Sites: none left" in response.content.decode()
    page = admin_client_site.get(detail).content.decode()
    for action in ("user.role_change", "user.deactivate", "user.reactivate"):
        assert action in page  # the account's history
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "user.role_change", "user.deactivate", "user.reactivate"]


def test_a_site_admin_cannot_deactivate_themselves(admin_client_site, site_admin):
    assert admin_client_site.post(reverse("user-deactivate", args=[site_admin.pk])
                                  ).status_code == 403
    assert User.objects.get(pk=site_admin.pk).is_active


# --- the Django admin ------------------------------------------------------------------------

def _admin_form(user, **changes):
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": "", "is_active": "on",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "groups": [g.pk for g in user.groups.all()],
            "sites": [s.pk for s in user.sites.all()]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_django_admins_changes_are_audited(client, site, other_site, dermatologist):
    from django.contrib.auth.models import Group
    root = UserFactory(username="root", sites=[site])
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    url = reverse("admin:cadm_user_change", args=[dermatologist.pk])
    rules = Group.objects.get(name="rules_admin")
    response = client.post(url, _admin_form(dermatologist, groups=[rules.pk],
                                            sites=[site.pk, other_site.pk], is_active=None,
                                            is_staff="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    found = {row.action: row.detail for row in AuditEvent.objects.filter(actor=root)}
    assert found == {
        "user.role_change": {"username": "derm", "via": "admin", "from": ["dermatologist"],
                             "to": ["rules_admin"]},
        "user.sites_change": {"username": "derm", "via": "admin", "from": ["north"],
                              "to": ["north", "south"]},
        "user.deactivate": {"username": "derm", "via": "admin"},
        "user.privileges_change": {"username": "derm", "via": "admin", "fields": ["is_staff"],
                                   "from": {"is_staff": False}, "to": {"is_staff": True}},
    }
    # Saved again unchanged: nothing more.
    dermatologist.refresh_from_db()
    client.post(url, _admin_form(dermatologist, is_active=None, is_staff="on"))
    assert AuditEvent.objects.filter(actor=root).count() == 4


def test_the_menu_links_users_for_site_admins_only(admin_client_site, rheumatologist):
    from django.test import Client
    body = admin_client_site.get(reverse("user-list")).content.decode()
    assert 'href="/users/">Users</a>' in body and 'href="/audit/"' not in body
    rheum = Client()
    rheum.force_login(rheumatologist)
    assert 'href="/users/"' not in rheum.get(reverse("worklist")).content.decode()


def test_the_user_list_costs_the_same_queries_for_few_or_many(admin_client_site, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client_site.get(reverse("user-list")).status_code == 200
        return len(captured)

    UserFactory.create_batch(3, role="dermatologist", sites=[site])
    few = queries()
    UserFactory.create_batch(40, role="rheumatologist", sites=[site])
    assert queries() == few


def test_the_django_admins_creations_and_deletions_are_audited(client, site):
    root = UserFactory(username="root", sites=[site])
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(root)
    response = client.post(reverse("admin:cadm_user_add"), {
        "username": "temp", "password1": "violet-heliotrope-9", "password2":
        "violet-heliotrope-9", "usable_password": "true"})
    assert response.status_code == 302
    temp = User.objects.get(username="temp")
    created = AuditEvent.objects.get(action="user.create")
    assert (created.actor, created.target_id, created.detail) == (
        root, str(temp.pk), {"username": "temp", "via": "admin", "role": "", "sites": [],
                             "fields": []})
    response = client.post(reverse("admin:cadm_user_delete", args=[temp.pk]), {"post": "yes"})
    assert response.status_code == 302 and not User.objects.filter(username="temp").exists()
    deleted = AuditEvent.objects.get(action="user.delete")
    assert (deleted.actor, deleted.target_id, deleted.detail) == (
        root, str(temp.pk), {"username": "temp", "via": "admin", "from": [], "sites": []})
