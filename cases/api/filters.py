"""Filtering of the case list: cases.selectors.CaseFilter, applied by the selector itself."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend


class CaseFilterBackend(DjangoFilterBackend):
    """Documents the view's FilterSet in the schema.

    The rows are filtered, and bad values refused with 400, by the view's get_queryset through
    `selectors.case_filterset` (the same FilterSet the list page uses), so nothing is left to do here.
    """

    def filter_queryset(self, request, queryset, view):
        return queryset
