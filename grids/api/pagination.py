"""Page-number pages whose total comes in the same query as their rows."""

from __future__ import annotations

from django.core.paginator import InvalidPage
from django.db.models import Count, QuerySet, Window
from rest_framework.exceptions import NotFound

from config.api_pagination import PagePagination, check_page_size

_TOTAL = "_page_total"


class CountedPagePagination(PagePagination):
    """The project's page-number pages, one query per page instead of a COUNT and then the rows.

    The rows of the page carry the total of the whole filtered list (COUNT(*) OVER (), counted
    before the LIMIT), so a list costs one round trip to the database. Only an empty answer (nothing to
    list, or a page past the end) asks for the count on its own, to tell the two apart exactly as
    the plain pagination does; the answer is the same as the plain pagination's in every case.
    """

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        self.check_page(request)
        check_page_size(request, self.page_size_query_param, self.max_page_size)
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        requested = request.query_params.get(self.page_query_param) or 1
        if requested in self.last_page_strings:
            return super().paginate_queryset(queryset, request, view)  # needs the count first
        try:
            number = int(requested)
        except (TypeError, ValueError):
            number = 0  # the paginator below refuses it with the usual message
        rows = []
        if number >= 1:
            bottom = (number - 1) * page_size
            counted = queryset.annotate(**{_TOTAL: Window(Count("*"))})
            rows = list(counted[bottom : bottom + page_size])
        paginator = self.django_paginator_class(queryset, page_size)
        if rows:
            paginator.count = getattr(rows[0], _TOTAL)  # what the paginator's cached COUNT would have said
        try:
            self.page = paginator.page(requested)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=requested, message=str(exc))) from exc
        self.page.object_list = rows
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return rows
