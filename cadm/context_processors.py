from cadm.permissions import Perm, permissions_of


def roles(request):
    """Expose the user's permissions to templates, so menus show only what works."""
    perms = permissions_of(request.user) if hasattr(request, "user") else frozenset()
    return {"cadm_perms": {p.name: (p in perms) for p in Perm}}
