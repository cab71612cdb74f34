"""An account's creation and the changes of its role and sites (issue 14, item 3).

The parser checks the values themselves: a username Django accepts, a name, one role of
cadm.permissions, at least one site. Whether this actor may grant that role or those sites is
the service's check (cadm.services.users), which names the roles and sites the actor holds.
Sites come resolved (Site rows) from the door, as the patient's site does: no database read
here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from cadm.models import Site
from cadm.permissions import Role

from .base import Collector, Context

USERNAME_MAX = 150  # AbstractUser.username
NAME_MAX = 150  # AbstractUser.first_name, last_name
LABELS = {"username": "Username", "first_name": "First name", "last_name": "Last name",
          "role": "Role", "sites": "Sites"}
ROLE_LABELS = {
    Role.RHEUMATOLOGIST: "Rheumatologist",
    Role.DERMATOLOGIST: "Dermatologist",
    Role.RULES_ADMIN: "Rules admin",
    Role.PRIVACY_OFFICER: "Privacy officer",
    Role.SITE_ADMIN: "Site admin",
}


def _text(p: Collector, raw: Mapping, name: str, *, max_length: int) -> str:
    value = raw.get(name)
    label = LABELS[name]
    if value is None or (isinstance(value, str) and not value.strip()):
        p.add(name, f"{label}: required; accepted: 1 to {max_length} characters.", "required")
        return ""
    if not isinstance(value, str):
        p.add(name, f"{label}: {value!r} is not text; accepted: 1 to {max_length} characters.",
              "invalid")
        return ""
    value = value.strip()
    if len(value) > max_length:
        p.add(name, f"{label}: {len(value)} characters is too long; accepted: 1 to "
                    f"{max_length} characters.", "max_length")
        return ""
    return value


def _username(p: Collector, raw: Mapping) -> str:
    value = _text(p, raw, "username", max_length=USERNAME_MAX)
    if value:
        try:
            UnicodeUsernameValidator()(value)
        except ValidationError:
            p.add("username", f"Username: {value!r} is not accepted; accepted: letters, digits "
                              f"and @ . + - _ only, no spaces.", "invalid")
            return ""
    return value


def role_parse(p: Collector, value: object) -> Role | None:
    accepted = ", ".join(role.value for role in Role)
    if value in (None, ""):
        p.add("role", f"Role: required; accepted: {accepted}.", "required")
        return None
    try:
        return Role(value)
    except ValueError:
        p.add("role", f"Role: {value!r} is not a role; accepted: {accepted}.", "invalid_choice")
        return None


def sites_parse(p: Collector, value: object, *, required: bool = True) -> frozenset[Site]:
    if isinstance(value, Site):
        value = [value]
    if value is None or isinstance(value, str | bytes) or not isinstance(value, Iterable):
        value = []
    sites = list(value)
    wrong = [s for s in sites if not isinstance(s, Site)]
    if wrong:
        p.add("sites", f"Sites: {wrong[0]!r} is not a site; accepted: sites you hold.",
              "invalid_choice")
        return frozenset()
    if not sites and required:
        p.add("sites", "Sites: none chosen; accepted: one or more of the sites you hold "
                       "(a user of no site can do nothing: deactivate the account instead).",
              "required")
    return frozenset(sites)


@dataclass(frozen=True)
class UserCreateInput:
    """A new account: who (username and name, the trail shows them), one role, its sites.
    No password: the person sets their own through a one-time link (cadm.services.users)."""

    username: str
    first_name: str
    last_name: str
    role: Role
    sites: frozenset[Site]

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> UserCreateInput:
        p = Collector()
        username = _username(p, raw)
        first = _text(p, raw, "first_name", max_length=NAME_MAX)
        last = _text(p, raw, "last_name", max_length=NAME_MAX)
        role = role_parse(p, raw.get("role"))
        sites = sites_parse(p, raw.get("sites"))
        p.done()
        return cls(username=username, first_name=first, last_name=last, role=role,
                   sites=sites)


@dataclass(frozen=True)
class RoleChangeInput:
    """The one role the account holds from now on (its other groups are kept)."""

    role: Role

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> RoleChangeInput:
        p = Collector()
        role = role_parse(p, raw.get("role"))
        p.done()
        return cls(role=role)


@dataclass(frozen=True)
class SitesChangeInput:
    """The account's sites among the actor's own. None of them is a value: the account then
    leaves the actor's sites, which the service accepts only if it keeps another site (the
    sites the actor does not hold are kept as they are)."""

    sites: frozenset[Site]

    @classmethod
    def parse(cls, raw: Mapping, *, context: Context | None = None) -> SitesChangeInput:
        p = Collector()
        sites = sites_parse(p, raw.get("sites"), required=False)
        p.done()
        return cls(sites=sites)
