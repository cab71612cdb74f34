from django.core.exceptions import PermissionDenied

from cadm.permissions import Perm, has_perm


class DomainError(Exception):
    """A request that breaks a rule of the domain; shown to the user as it is."""


def require(actor, perm: Perm) -> None:
    """Services check again what views check: a command or a task may call them too."""
    if not has_perm(actor, perm):
        raise PermissionDenied(f"Missing permission {perm.value}.")
