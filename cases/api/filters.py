"""Filtering of the case list: cases.selectors.CaseFilter, applied by the selector itself."""

from __future__ import annotations

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend


class CaseFilterBackend(DjangoFilterBackend):
    """Documents the view's FilterSet in the schema and refuses invalid values with 400.

    The rows are already filtered by `selectors.case_list` (the same FilterSet the list page
    uses), so the backend only validates: a bad value is an error instead of being ignored.
    """

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None and not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return queryset
