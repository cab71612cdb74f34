"""The accounts a site admin sees: those sharing at least one of the admin's sites."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from cadm.models import Site, User
from cadm.permissions import Perm, has_perm, site_ids_of


def user_list_for(*, actor) -> QuerySet[User]:
    """Users of the actor's sites, active or not, by name; none without the permission.
    Sites and groups are prefetched: the list shows both for every row."""
    if not has_perm(actor, Perm.USERS_MANAGE):
        return User.objects.none()
    shared = User.sites.through.objects.filter(user_id=OuterRef("pk"),
                                               site_id__in=site_ids_of(actor))
    return (User.objects.filter(Exists(shared))
            .prefetch_related("groups", Prefetch("sites", queryset=Site.objects.order_by("name")))
            .order_by("last_name", "first_name", "username", "id"))


def user_get_for(*, actor, pk) -> User:
    """404 for an account of no site of the actor's: not even its existence leaks."""
    try:
        return user_list_for(actor=actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such user at your sites.") from None
