"""Filtering of the API: a yes/no filter with a value that is neither true nor false answers 400.

django-filter reads any other value of a BooleanFilter ("null", "yes", "abc") as "not given" and
lists everything, which hides the client's mistake; every other bad value (a number, a date, a
choice) is already refused by the FilterSet's form.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters import utils as django_filters_utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = frozenset({"true", "false", "True", "False"})
BOOLEAN_MESSAGE = _("Give true or false.")


def check_boolean_filters(filters: dict, query_params) -> None:
    """Refuse a boolean filter whose value is not true or false (an empty value means "not given")."""
    errors = {
        name: [BOOLEAN_MESSAGE]
        for name, definition in filters.items()
        if isinstance(definition, django_filters.BooleanFilter)
        and query_params.get(name, "") not in BOOLEAN_VALUES | {""}
    }
    if errors:
        raise ValidationError(errors)


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        check_boolean_filters(filterset.filters, request.query_params)
        if not filterset.is_valid():
            raise django_filters_utils.translate_validation(filterset.errors)
        return filterset.qs
