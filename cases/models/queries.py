"""Who sees which cases: the case queryset and the helpers its conditions are made of."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import get_scope

from .choices import CLOCK_STATES, OPEN_STATES
from .reference import Department

# Code lengths of a street, a community and a grid: the case list finds the newest cases under
# such a place through an index on the first digits of region_code (see `case_place…_newest`).
PLACE_PREFIX_LENGTHS = (9, 12, 15)
# Everyone who works a place sees its cases; volunteers see only what they reported themselves.
CASE_VIEW_ROLES = frozenset(set(Role.values) - {Role.VOLUNTEER})


def department_ids(user) -> set[int]:
    """Departments the user staffs (holding the department-staff role), once per user object (per request)."""
    cached = getattr(user, "_gridgov_department_ids", None)
    if cached is None:
        cached = set()
        if get_scope(user).has_any_role({Role.DEPARTMENT_STAFF}):
            staff = Department.staff.through.objects.filter(user_id=user.pk)
            cached = set(staff.values_list("department_id", flat=True))
        user._gridgov_department_ids = cached
    return cached


def under_place(prefix: str) -> Q:
    """Cases under a region code, stated so that the newest of them are read off an index.

    Under a street, community or grid the condition is the equality of region_code's first digits,
    which the `case_place…_newest` indexes hold beside the id: a quiet place's newest cases are
    then read straight off that index, not found by walking the primary key back past every newer
    case elsewhere. Any other prefix is a LIKE 'prefix%' (served by the region_code index).
    """
    if len(prefix) in PLACE_PREFIX_LENGTHS:
        return Q(Exact(Substr("region_code", 1, len(prefix)), prefix))
    return Q(region_code__startswith=prefix)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user, *, within: str | None = None) -> CaseQuerySet:
        """Cases in the user's places, cases they reported, and cases summoning or assigned to their department.

        `within` narrows to a region code prefix (the case list's region filter). It is folded into
        the scope's own prefixes, so the database sees one condition on region_code (two overlapping
        conditions would make PostgreSQL underestimate the rows and pick a poor plan); with it, the
        conditions are written by `under_place`, for the list's newest-first order.
        """
        from .case import Summons  # case.py imports this module for Case.objects

        if user is None or not user.is_authenticated:
            return self.none()
        if within is not None and not within.isdigit():
            return self.none()
        under = under_place if within else (lambda prefix: Q(region_code__startswith=prefix))
        scope = get_scope(user)
        if scope.unrestricted:
            return self.filter(under(within)) if within else self
        prefixes = scope.prefixes(CASE_VIEW_ROLES)
        if within:
            prefixes = tuple(
                sorted(
                    {
                        p if p.startswith(within) else within
                        for p in prefixes
                        if p.startswith(within) or within.startswith(p)
                    }
                )
            )
        query = Q(pk__in=[])
        for prefix in prefixes:
            query |= under(prefix)
        others = Q(reporter=user)
        departments = department_ids(user)
        if departments:
            summoned = Summons.objects.filter(department_id__in=departments).values("case_id")
            others |= Q(department_id__in=departments) | Q(pk__in=summoned)
        if within:
            others &= under(within)
        return self.filter(query | others)

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now=None) -> CaseQuerySet:
        return self.filter(state__in=CLOCK_STATES, due_at__lte=now or timezone.now())
