"""Pagination of the API that refuses a malformed page, page size or cursor with 400 instead of ignoring it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

PAGE_MESSAGE = _("Give a page number: a whole number from 1.")
CURSOR_MESSAGE = _("This cursor is not valid; follow the next and previous links as they are given.")


def _whole_number(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def check_page_size(request, param: str | None, maximum: int | None) -> None:
    """A page size that is not a whole number from 1 to the maximum is refused, not silently replaced."""
    if not param or param not in request.query_params:
        return
    value = _whole_number(request.query_params[param])
    if value is None or value < 1 or (maximum is not None and value > maximum):
        message = _("Give a whole number from 1 to %(maximum)d.") % {"maximum": maximum or 1000}
        raise ValidationError({param: [message]})


class PagePagination(PageNumberPagination):
    """Numbered pages; `page` must be a whole number from 1 (or "last"); past the end is 404."""

    def check_page(self, request) -> None:
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw in self.last_page_strings:
            return
        value = _whole_number(raw)
        if value is None or value < 1:
            raise ValidationError({self.page_query_param: [PAGE_MESSAGE]})

    def paginate_queryset(self, queryset, request, view=None):
        self.check_page(request)
        check_page_size(request, self.page_size_query_param, self.max_page_size)
        return super().paginate_queryset(queryset, request, view)


class StrictCursorPagination(CursorPagination):
    """Cursor pages; a page size or cursor that is not one this API gave is 400."""

    def paginate_queryset(self, queryset, request, view=None):
        check_page_size(request, self.page_size_query_param, self.max_page_size)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [CURSOR_MESSAGE]}) from exc
