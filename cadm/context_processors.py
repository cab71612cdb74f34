from django.conf import settings
from django.utils.functional import SimpleLazyObject

from cadm.permissions import Perm, permissions_of, sites_of


def roles(request):
    """Expose the user's permissions to templates, so menus show only what works, and the
    user's sites for the header (the list the views' scoping read already: no second query)."""
    user = getattr(request, "user", None)
    perms = permissions_of(user) if user is not None else frozenset()
    return {"cadm_perms": {p.name: (p in perms) for p in Perm},
            "cadm_sites": SimpleLazyObject(
                lambda: sites_of(user) if user is not None and user.is_authenticated else [])}


def jobs(request):
    """Whether a worker and beat run jobs (a broker is set): only then is a stalled job resumed
    without anyone's help. Without one (`make run`), jobs run in the web process."""
    return {"jobs_auto_recover": bool(settings.CELERY_BROKER_URL)}
