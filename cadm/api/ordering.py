"""`?ordering=` that gives every list a total order: the field asked for, then the id. Pages
of a list sorted by a field many rows share (a birth date, a date of visit) then never
repeat or skip a row, and the indexes (field, id) read a page off in order."""

from rest_framework.filters import OrderingFilter


class StableOrdering(OrderingFilter):
    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if not ordering:  # nothing asked, no default: the view's queryset keeps its order
            return None
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            # Ties in the direction of the last field asked for (newest first stays so).
            last = ordering[-1] if ordering else ""
            ordering.append("-pk" if last.startswith("-") else "pk")
        return ordering
