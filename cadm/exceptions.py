from django.core.exceptions import PermissionDenied

from cadm.permissions import Perm, can_access_patient, has_perm


class DomainError(Exception):
    """A request that breaks a rule of the domain; shown to the user as it is."""


def require(actor, perm: Perm) -> None:
    """Services check again what views check: a command or a task may call them too."""
    if not has_perm(actor, perm):
        raise PermissionDenied(f"Missing permission {perm.value}.")


def require_patient_site(actor, patient) -> None:
    """Whatever the door: the patient must be at one of the actor's sites."""
    if not can_access_patient(actor, patient):
        raise PermissionDenied("This patient is not at one of your sites.")


class AlreadySubmitted(DomainError):
    """The same form (its one-time token) was already saved: nothing was saved again."""

    def __init__(self, target: str) -> None:
        super().__init__("This form was already saved (sent twice, e.g. with Back and Save): "
                         "nothing was saved again.")
        self.target = target


class RowInvalid(DomainError):
    """One result row refused by a service. `index` is its position among the rows passed in;
    `error` is a ValidationError keyed by field, with messages that name field, value, range
    and unit. The caller shows it on that row; the transaction saved nothing."""

    def __init__(self, index: int, error) -> None:
        super().__init__(" ".join(error.messages))
        self.index, self.error = index, error


class ConcurrentEdit(DomainError):
    """Someone saved the record after the form was opened: saving would overwrite their
    change without anyone seeing it. `changes` lists what changed (field label, new value)."""

    def __init__(self, what: str, who: str, when, changes: list[tuple[str, str]],
                 version: int) -> None:
        listed = "; ".join(f"{label}: now {value}" for label, value in changes) or \
            "no field you can see"
        at = f"on {when:%Y-%m-%d %H:%M} UTC" if when else "meanwhile"
        super().__init__(
            f"Not saved: {who} changed this {what} {at}, after you "
            f"opened the form ({listed}). Your entries are kept below: check them against the "
            f"current values and save again.")
        self.changes, self.version = changes, version


class NoActiveRuleSet(DomainError):
    """No rule-set version is active, so flags cannot be computed. The database keeps one
    active on PostgreSQL (migration 0014); on SQLite, or after a shell user's mistake, pages
    say so with a 503 (cadm/middleware_rulesets.py) instead of failing with a 500."""

    def __init__(self) -> None:
        super().__init__("No rule-set version is active: flags cannot be computed until a "
                         "rules admin activates an approved version.")
