"""cadm.services.users: a site admin creates and changes accounts of their sites only, grants
no role above theirs and no site they do not hold, never changes their own account, and every
change leaves an audit row with what was before and after."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.urls import resolve

from cadm.inputs import InputInvalid
from cadm.inputs.users import RoleChangeInput, SitesChangeInput, UserCreateInput
from cadm.models import AuditEvent, User
from cadm.permissions import Role, roles_of
from cadm.services import users as service
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def create_input(site, **overrides):
    raw = {"username": "newderm", "first_name": "Nina", "last_name": "Dermer",
           "role": "dermatologist", "sites": [site]} | overrides
    return UserCreateInput.parse(raw)


def rows(action, user=None):
    found = AuditEvent.objects.filter(action=action)
    if user is not None:
        found = found.filter(target_type="cadm.user", target_id=str(user.pk))
    return list(found)


def field_message(exc_info, name):
    return exc_info.value.message_dict[name][0]


# --- creation -------------------------------------------------------------------------------

def test_a_site_admin_creates_an_account_with_no_usable_password(site_admin, site):
    user, path = service.user_create(actor=site_admin, data=create_input(site))
    user.refresh_from_db()
    assert roles_of(user) == {Role.DERMATOLOGIST}
    assert list(user.sites.all()) == [site]
    assert not user.has_usable_password()
    assert resolve(path).url_name == "user-set-password"
    (row,) = rows("user.create", user)
    assert row.actor == site_admin
    assert row.detail == {"username": "newderm", "role": "dermatologist", "sites": ["north"],
                          "password": "link"}


@pytest.mark.parametrize("role", ["rules_admin", "privacy_officer"])
def test_no_role_above_a_site_admins(site_admin, site, role):
    with pytest.raises(InputInvalid) as exc:
        service.user_create(actor=site_admin, data=create_input(site, role=role))
    assert field_message(exc, "role") == (
        f"Role: {role!r} is above yours or not yours to grant; accepted: dermatologist, "
        f"rheumatologist, site_admin.")
    assert not User.objects.filter(username="newderm").exists()
    assert not rows("user.create")


def test_no_site_the_site_admin_does_not_hold(site_admin, site, other_site):
    with pytest.raises(InputInvalid) as exc:
        service.user_create(actor=site_admin, data=create_input(site, sites=[site, other_site]))
    assert field_message(exc, "sites") == (
        "Sites: South Clinic is not one of your sites; accepted: North Clinic.")


def test_a_username_is_unique_whatever_its_case(site_admin, site, rheumatologist):
    with pytest.raises(InputInvalid) as exc:
        service.user_create(actor=site_admin, data=create_input(site, username="RHEUM"))
    assert field_message(exc, "username") == (
        "Username: 'RHEUM' is already taken (as 'rheum'); accepted: a username no account "
        "has, whatever its case.")


@pytest.mark.parametrize("role", ["rheumatologist", "dermatologist", "rules_admin",
                                  "privacy_officer", None])
def test_only_site_admins_manage_accounts(site, role):
    actor = UserFactory(role=role, sites=[site])
    with pytest.raises(PermissionDenied, match="users.manage"):
        service.user_create(actor=actor, data=create_input(site))


def test_the_parser_names_field_value_and_accepted_range(site):
    with pytest.raises(InputInvalid) as exc:
        UserCreateInput.parse({"username": "two words", "first_name": "", "last_name": "x" * 151,
                               "role": "boss", "sites": []})
    assert exc.value.message_dict == {
        "username": ["Username: 'two words' is not accepted; accepted: letters, digits and "
                     "@ . + - _ only, no spaces."],
        "first_name": ["First name: required; accepted: 1 to 150 characters."],
        "last_name": ["Last name: 151 characters is too long; accepted: 1 to 150 characters."],
        "role": ["Role: 'boss' is not a role; accepted: rheumatologist, dermatologist, "
                 "rules_admin, privacy_officer, site_admin."],
        "sites": ["Sites: none chosen; accepted: one or more of the sites you hold (a user "
                  "of no site can do nothing: deactivate the account instead)."],
    }


# --- changes --------------------------------------------------------------------------------

def test_a_role_change_is_audited_with_before_and_after(site_admin, dermatologist):
    assert service.user_role_change(actor=site_admin, user=dermatologist,
                                    data=RoleChangeInput(role=Role.RHEUMATOLOGIST))
    assert roles_of(User.objects.get(pk=dermatologist.pk)) == {Role.RHEUMATOLOGIST}
    (row,) = rows("user.role_change", dermatologist)
    assert (row.actor, row.detail) == (site_admin, {
        "username": "derm", "from": ["dermatologist"], "to": ["rheumatologist"]})
    # The same role again: nothing changes, nothing is recorded.
    assert not service.user_role_change(actor=site_admin, user=dermatologist,
                                        data=RoleChangeInput(role=Role.RHEUMATOLOGIST))
    assert len(rows("user.role_change")) == 1


def test_a_role_change_keeps_groups_that_are_no_role(site_admin, dermatologist):
    from django.contrib.auth.models import Group
    dermatologist.groups.add(Group.objects.create(name="newsletter"))
    service.user_role_change(actor=site_admin, user=dermatologist,
                             data=RoleChangeInput(role=Role.SITE_ADMIN))
    assert set(dermatologist.groups.values_list("name", flat=True)) == {"newsletter",
                                                                       "site_admin"}


def test_a_sites_change_keeps_the_sites_the_admin_does_not_hold(site_admin, site, other_site):
    east = SiteFactory(code="east", name="East Clinic")
    site_admin.sites.add(east)
    user = UserFactory(username="both", role="rheumatologist", sites=[site, other_site])
    assert service.user_sites_change(actor=site_admin, user=user,
                                     data=SitesChangeInput(sites=frozenset({east})))
    assert set(user.sites.values_list("code", flat=True)) == {"east", "south"}
    (row,) = rows("user.sites_change", user)
    assert row.detail == {"username": "both", "from": ["north", "south"],
                          "to": ["east", "south"]}


def test_an_account_keeps_a_site(site_admin, dermatologist):
    with pytest.raises(InputInvalid) as exc:
        service.user_sites_change(actor=site_admin, user=dermatologist,
                                  data=SitesChangeInput(sites=frozenset()))
    assert "Sites: none left" in field_message(exc, "sites")
    assert list(dermatologist.sites.values_list("code", flat=True)) == ["north"]


def test_no_site_granted_that_the_admin_does_not_hold(site_admin, dermatologist, other_site):
    with pytest.raises(InputInvalid, match="South Clinic is not one of your sites"):
        service.user_sites_change(actor=site_admin, user=dermatologist,
                                  data=SitesChangeInput(sites=frozenset({other_site})))


def test_accounts_outside_the_admins_reach_are_refused(site_admin, site, outsider, rules_admin):
    root = UserFactory(username="root", sites=[site])
    root.is_superuser = True
    root.save()
    privacy = UserFactory(username="privacy", role="privacy_officer", sites=[site])
    for user, reason in ((outsider, "not at one of your sites"),
                         (rules_admin, "holds rules_admin, a role above yours"),
                         (privacy, "holds privacy_officer, a role above yours"),
                         (root, "superuser"),
                         (site_admin, "your own account")):
        with pytest.raises(PermissionDenied, match=reason):
            service.user_deactivate(actor=site_admin, user=user)
        with pytest.raises(PermissionDenied, match=reason):
            service.user_role_change(actor=site_admin, user=user,
                                     data=RoleChangeInput(role=Role.DERMATOLOGIST))
        assert User.objects.get(pk=user.pk).is_active
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_deactivation_stops_sessions_and_api_tokens(site_admin, dermatologist, client):
    from rest_framework.test import APIClient

    from cadm.services.api_tokens import api_token_create
    client.force_login(dermatologist)
    _, secret = api_token_create(actor=dermatologist, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/flags/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 200

    assert service.user_deactivate(actor=site_admin, user=dermatologist)
    assert client.get("/flags/").status_code == 302  # to the login page
    assert api.get("/api/v1/me/").status_code == 401
    assert authenticate(username="derm", password="pw-for-tests-only") is None
    assert rows("user.deactivate", dermatologist)[0].actor == site_admin

    assert service.user_reactivate(actor=site_admin, user=dermatologist)
    assert authenticate(username="derm", password="pw-for-tests-only") == dermatologist
    assert [r.action for r in AuditEvent.objects.filter(action__startswith="user.")
            .order_by("id")] == ["user.deactivate", "user.reactivate"]


def test_a_new_link_for_a_forgotten_password(site_admin, dermatologist):
    path = service.user_password_link(actor=site_admin, user=dermatologist)
    assert resolve(path).url_name == "user-set-password"
    assert rows("user.password_link", dermatologist)[0].actor == site_admin
    assert path not in str(AuditEvent.objects.values_list("detail", flat=True))
    service.user_deactivate(actor=site_admin, user=dermatologist)
    with pytest.raises(service.DomainError, match="deactivated"):
        service.user_password_link(actor=site_admin, user=dermatologist)
