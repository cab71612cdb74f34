"""Accounts of a site: created, given a role and sites, deactivated and reactivated, each change
audited (issue 14, item 3). The Django admin's changes are audited too (cadm/admin.py calls
`access_changes_record`).

Who manages accounts: a role of its own, `site_admin`, holding `users.manage` and nothing
else. Not the rules admins: a rules-admin version needs another rules admin's approval
(approver other than the author, migration 0014), and one who could create accounts and grant
`rules_admin` could make a second account and approve their own rules. In a hospital, accounts
are opened by the service desk or a department's manager on a clinician's request, people who
neither treat patients nor govern the clinical rules; a privacy officer audits their changes
and so does not make them. A role of its own keeps those duties apart.

What a site admin may do (checked here, whatever the door):

- manage the accounts sharing at least one of their sites (the others are not listed);
- grant only sites they hold; the account's other sites are kept as they are, and an account
  keeps at least one site (leaving every site is a deactivation);
- grant a role no higher than theirs (`GRANTABLE`): rheumatologist, dermatologist and
  site admin. `rules_admin` changes the rules of every site and `privacy_officer` audits the
  site admins: both stay with a superuser (Django admin), and an account holding either, or a
  superuser, is not a site admin's to change;
- not change their own account (role, sites, active state): another site admin does.

Passwords: a new account has no usable password; the site admin gets a one-time link by which
the person sets their own (`user_password_set`), and may issue a new link for a forgotten
password. Chosen over a generated password shown once: the site admin never knows the
password, so a row of the trail signed by that account was signed by its person; a generated
password would stay known to the admin until the person changed it, and nothing forces that.
The link is Django's password-reset token: keyed on the password and the last login, it dies
once used, and after PASSWORD_RESET_TIMEOUT (3 days by default). It is returned once to the
caller and never stored, logged or audited (only that a link was issued).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cadm.exceptions import DomainError, require
from cadm.inputs.base import InputInvalid, Problem
from cadm.inputs.users import RoleChangeInput, SitesChangeInput, UserCreateInput
from cadm.models import Site, User
from cadm.permissions import Perm, Role, roles_of, site_ids_of

from .audit import audit_record

# The roles each role may grant (a role not listed grants none).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.SITE_ADMIN: frozenset({Role.RHEUMATOLOGIST, Role.DERMATOLOGIST, Role.SITE_ADMIN}),
}
ROLE_NAMES = frozenset(role.value for role in Role)


@dataclass(frozen=True)
class Access:
    """What an account may do, as the audit rows compare it: its groups (roles and any other
    group), its site codes, and Django's flags."""

    groups: tuple[str, ...]
    sites: tuple[str, ...]
    is_active: bool
    is_superuser: bool
    is_staff: bool

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(g for g in self.groups if g in ROLE_NAMES)


def access_of(user: User) -> Access:
    """Read from the database, not from the instance: an admin form has already changed it."""
    row = User.objects.filter(pk=user.pk).values("is_active", "is_superuser", "is_staff").get()
    return Access(
        groups=tuple(sorted(Group.objects.filter(user=user.pk).values_list("name", flat=True))),
        sites=tuple(sorted(Site.objects.filter(users=user.pk).values_list("code", flat=True))),
        **row)


def grantable_roles(actor) -> frozenset[Role]:
    return frozenset().union(*(GRANTABLE.get(role, frozenset()) for role in roles_of(actor)))


def management_refusal(actor, user: User) -> str | None:
    """Why `actor` may not change `user`'s account, or None. Pages show it beside the row."""
    if not site_ids_of(actor) & frozenset(s.pk for s in user.sites.all()):
        return "This account is not at one of your sites."
    if user.pk == actor.pk:
        return "This is your own account: another site admin changes it."
    if user.is_superuser:
        return "A superuser's account is managed in the Django admin."
    above = sorted(set(g.name for g in user.groups.all()) & ROLE_NAMES
                   - {r.value for r in grantable_roles(actor)})
    if above:
        return (f"This account holds {', '.join(above)}, a role above yours: a superuser "
                f"manages it in the Django admin.")
    return None


def _refused(name: str, message: str, code: str = "invalid_choice") -> InputInvalid:
    return InputInvalid({name: [Problem(message, code)]})


def _check_role(actor, role: Role) -> None:
    allowed = grantable_roles(actor)
    if role not in allowed:
        accepted = ", ".join(sorted(r.value for r in allowed)) or "none"
        raise _refused("role", f"Role: {role.value!r} is above yours or not yours to grant; "
                               f"accepted: {accepted}.")


def _check_sites(actor, sites) -> None:
    held = site_ids_of(actor)
    foreign = sorted(s.name for s in sites if s.pk not in held)
    if foreign:
        accepted = ", ".join(Site.objects.filter(pk__in=held).values_list("name", flat=True))
        verb = "is not one" if len(foreign) == 1 else "are not"
        raise _refused("sites", f"Sites: {', '.join(foreign)} {verb} of your sites; "
                                f"accepted: {accepted or 'none'}.")


def _locked(actor, user: User) -> User:
    """The account's row locked for the change (two admins at once write one after the
    other, each row's before/after true), after the actor's right to change it."""
    require(actor, Perm.USERS_MANAGE)
    locked = User.objects.select_for_update().get(pk=user.pk)
    refusal = management_refusal(actor, locked)
    if refusal:
        raise PermissionDenied(refusal)
    return locked


def _set_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("user-set-password", kwargs={
        "uidb64": uid, "token": default_token_generator.make_token(user)})


def _role_groups(roles) -> list[Group]:
    # get_or_create: the groups come from migrations 0002 and 0020, but a flushed test
    # database may lack them.
    return [Group.objects.get_or_create(name=role)[0] for role in roles]


@transaction.atomic
def user_create(*, actor, data: UserCreateInput) -> tuple[User, str]:
    """A new account of the actor's sites with one role and no usable password. Returns it
    with the path of its one-time set-password link (shown once by the caller)."""
    require(actor, Perm.USERS_MANAGE)
    if not isinstance(data, UserCreateInput):
        data = UserCreateInput.parse(data)
    _check_role(actor, data.role)
    _check_sites(actor, data.sites)
    clash = User.objects.filter(username__iexact=data.username).first()
    if clash:
        shown = "" if clash.username == data.username else f" (as {clash.username!r})"
        raise _refused("username", f"Username: {data.username!r} is already taken{shown}; "
                                   f"accepted: a username no account has, whatever its case.",
                       "unique")
    user = User(username=data.username, first_name=data.first_name,
                last_name=data.last_name)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username saved by someone else a moment ago
        raise _refused("username", f"Username: {data.username!r} is already taken; accepted: "
                                   f"a username no account has.", "unique") from None
    user.groups.set(_role_groups([data.role]))
    user.sites.set(sorted(data.sites, key=lambda s: s.pk))
    audit_record(actor=actor, action="user.create", target=user, detail={
        "username": user.username, "role": data.role.value,
        "sites": sorted(s.code for s in data.sites), "password": "link"})
    return user, _set_link(user)


@transaction.atomic
def user_role_change(*, actor, user: User, data: RoleChangeInput) -> bool:
    """The account's role becomes `data.role` (groups that are no role are kept). False, and
    no row, when it already is exactly that."""
    locked = _locked(actor, user)
    if not isinstance(data, RoleChangeInput):
        data = RoleChangeInput.parse(data)
    _check_role(actor, data.role)
    before = access_of(locked)
    if before.roles == (data.role.value,):
        return False
    others = [g for g in locked.groups.all() if g.name not in ROLE_NAMES]
    locked.groups.set(others + _role_groups([data.role]))
    after = access_of(locked)
    audit_record(actor=actor, action="user.role_change", target=locked, detail={
        "username": locked.username, "from": list(before.roles), "to": list(after.roles)})
    return True


@transaction.atomic
def user_sites_change(*, actor, user: User, data: SitesChangeInput) -> bool:
    """Among the actor's sites, the account holds exactly `data.sites`; its other sites stay.
    False, and no row, when nothing changes."""
    locked = _locked(actor, user)
    if not isinstance(data, SitesChangeInput):
        data = SitesChangeInput.parse(data)
    _check_sites(actor, data.sites)
    held = site_ids_of(actor)
    kept = [s for s in locked.sites.all() if s.pk not in held]
    wanted = sorted({*kept, *data.sites}, key=lambda s: s.pk)
    if not wanted:
        raise _refused("sites", "Sites: none left; accepted: at least one of your sites (to "
                                "take every site away, deactivate the account).", "required")
    before = access_of(locked)
    if before.sites == tuple(sorted(s.code for s in wanted)):
        return False
    locked.sites.set(wanted)
    after = access_of(locked)
    audit_record(actor=actor, action="user.sites_change", target=locked, detail={
        "username": locked.username, "from": list(before.sites), "to": list(after.sites)})
    return True


def _set_active(actor, user: User, active: bool) -> bool:
    locked = _locked(actor, user)
    if locked.is_active == active:
        return False
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.reactivate" if active else "user.deactivate",
                 target=locked, detail={"username": locked.username})
    return True


@transaction.atomic
def user_deactivate(*, actor, user: User) -> bool:
    """The account can no longer log in; its sessions and API tokens stop working at their
    next request (Django and knox refuse an inactive user). Its rows stay attributed."""
    return _set_active(actor, user, False)


@transaction.atomic
def user_reactivate(*, actor, user: User) -> bool:
    return _set_active(actor, user, True)


@transaction.atomic
def user_password_link(*, actor, user: User) -> str:
    """A new one-time set-password link for the account (a forgotten password, or a first
    link that expired). The current password works until the link is used."""
    locked = _locked(actor, user)
    if not locked.is_active:
        raise DomainError("This account is deactivated: reactivate it before sending a link.")
    audit_record(actor=actor, action="user.password_link", target=locked,
                 detail={"username": locked.username})
    return _set_link(locked)


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """The person sets their own password through a link (the link's view checked its
    token). Checked by the project's password validators whatever the door."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="user.password_set", target=user,
                 detail={"username": user.username})


def access_changes_record(*, actor, user: User, before: Access | None, via: str) -> None:
    """Audit rows for what changed in `user`'s access since `before` (None: just created),
    for writes that did not go through the functions above (the Django admin)."""
    after = access_of(user)
    base = {"username": user.username, "via": via}
    if before is None:
        audit_record(actor=actor, action="user.create", target=user, detail={
            **base, "role": ",".join(after.groups), "sites": list(after.sites),
            "fields": [f for f in ("is_superuser", "is_staff") if getattr(after, f)]})
        return
    if before.groups != after.groups:
        audit_record(actor=actor, action="user.role_change", target=user, detail={
            **base, "from": list(before.groups), "to": list(after.groups)})
    if before.sites != after.sites:
        audit_record(actor=actor, action="user.sites_change", target=user, detail={
            **base, "from": list(before.sites), "to": list(after.sites)})
    if before.is_active != after.is_active:
        audit_record(actor=actor, action="user.reactivate" if after.is_active
                     else "user.deactivate", target=user, detail=base)
    flags = ("is_superuser", "is_staff")
    was, now = asdict(before), asdict(after)
    changed = [f for f in flags if was[f] != now[f]]
    if changed:
        audit_record(actor=actor, action="user.privileges_change", target=user, detail={
            **base, "fields": changed, "from": {f: was[f] for f in changed},
            "to": {f: now[f] for f in changed}})
