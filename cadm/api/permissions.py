"""Deny by default: an API view is open only to users holding the cadm.permissions.Perm it
names in `required_perm` (checked with has_perm, as pages do in cadm/views/access.py). A view
that names nothing is refused to everyone. `ANY_USER` is the explicit exception, for what
concerns only the caller (who am I, my tokens)."""

from rest_framework.permissions import BasePermission

from cadm.permissions import Perm, has_perm

ANY_USER = "any_user"


class RequiresPerm(BasePermission):
    message = "You do not have the permission this needs."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        perm = getattr(view, "required_perm", None)
        if perm == ANY_USER:
            return True
        return isinstance(perm, Perm) and has_perm(request.user, perm)


class MethodPerms:
    """One URL, two permissions: reading needs the view's `required_perm`, writing its
    `write_perm` (a Perm; the service then checks the finer ones itself)."""

    write_perm: Perm | None = None  # None: no write here (the method is then a 405)

    def check_permissions(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and self.write_perm is not None:
            self.required_perm = self.write_perm
        super().check_permissions(request)
