from django.conf import settings

from cadm.permissions import Perm, permissions_of


def roles(request):
    """Expose the user's permissions to templates, so menus show only what works."""
    perms = permissions_of(request.user) if hasattr(request, "user") else frozenset()
    return {"cadm_perms": {p.name: (p in perms) for p in Perm}}


def jobs(request):
    """Whether a worker and beat run jobs (a broker is set): only then is a stalled job resumed
    without anyone's help. Without one (`make run`), jobs run in the web process."""
    return {"jobs_auto_recover": bool(settings.CELERY_BROKER_URL)}
