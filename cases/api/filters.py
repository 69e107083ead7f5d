"""Filtering of the case list: cases.selectors.CaseFilter, applied by the selector itself."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend

from config.api_filters import check_boolean_filters


class CaseFilterBackend(DjangoFilterBackend):
    """Documents the view's FilterSet in the schema.

    The rows are filtered, and bad values refused with 400, by the view's get_queryset through
    `selectors.case_filterset` (the same FilterSet the list page uses); only a yes/no filter whose
    value is neither true nor false, which the FilterSet reads as "not given", is refused here.
    """

    def filter_queryset(self, request, queryset, view):
        check_boolean_filters(view.filterset_class.base_filters, request.query_params)
        return queryset
