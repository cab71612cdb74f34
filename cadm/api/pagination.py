from django.core.paginator import InvalidPage
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """`?page=2&page_size=50`: 50 by default, 200 at most.

    A page that does not exist is a bad query parameter (400 naming `page` and the pages
    there are), not a missing resource: the list itself exists."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.django_paginator_class(queryset, page_size)
        number = request.query_params.get(self.page_query_param) or 1
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise ValidationError({self.page_query_param: [
                f"Page: {str(number)[:20]!r} is not a page of this list; accepted: a whole "
                f"number from 1 to {paginator.num_pages}."]}) from None
        return list(self.page)
