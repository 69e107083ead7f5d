"""Reads of cases: scoped lists with filters, my inbox, the dispatch board, the department inbox."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import get_scope

from .models import Case, CaseCategory, CaseLevel, CaseState, Channel, Patrol, Summons, Urgency
from .models.case import CLOCK_STATE_LIST
from .services.access import LEVEL_ROLES, VERIFY_ROLES, department_ids

LIST_RELATED = ("category", "category__parent", "region", "handler", "department")


class CaseFilter(django_filters.FilterSet):
    """Filters shared by the case list page and GET /api/v1/cases/."""

    q = django_filters.CharFilter(method="filter_q", label=_("Number or title"))
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, label=_("State"), distinct=False)
    level = django_filters.ChoiceFilter(choices=CaseLevel.choices, label=_("Level"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("Urgency"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Source"))
    category = django_filters.ModelChoiceFilter(
        queryset=CaseCategory.objects.all(), to_field_name="code", method="filter_category", label=_("Category")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    region = django_filters.CharFilter(method="filter_region", label=_("Region code (and everything under it)"))
    created_from = django_filters.DateFilter(method="filter_created_from", label=_("Filed from"))
    created_to = django_filters.DateFilter(method="filter_created_to", label=_("Filed until"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Handled by me"))

    class Meta:
        model = Case
        fields = ["q", "state", "level", "urgency", "channel", "category", "overdue", "region"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def filter_category(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(state__in=CLOCK_STATE_LIST, due_at__lte=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_region(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(region_code__startswith=value)

    def _local_midnight(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=self._local_midnight(value)) if value else queryset

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=self._local_midnight(value + dt.timedelta(days=1))) if value else queryset

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(handler=self.request.user) if self.request else queryset.none()


def case_filterset(*, user, filters, request=None, related=LIST_RELATED) -> CaseFilter:
    """The FilterSet over the user's cases; `.qs` filters, `.is_valid()`/`.errors` judge the input.

    The region filter is folded into the scope condition (see `CaseQuerySet.visible_to`), so the
    FilterSet sees the other filters only.
    """
    filters = filters if filters is not None else {}
    region = (filters.get("region") or "").strip() or None
    queryset = Case.objects.visible_to(user, within=region).select_related(*related)
    rest = filters.copy()
    rest.pop("region", None)
    return CaseFilter(rest, queryset=queryset, request=request)


def case_query(*, user, filters, request=None, related=LIST_RELATED) -> tuple[QuerySet[Case], dict]:
    """The user's cases under the given filters, and the filters' errors (empty when valid).

    Without any filter beyond the region, no FilterSet is built at all: it is the common case of
    every list and costs more than the query.
    """
    filters = filters if filters is not None else {}
    if not any(name in CaseFilter.base_filters for name in filters if name != "region"):
        region = (filters.get("region") or "").strip() or None
        return Case.objects.visible_to(user, within=region).select_related(*related), {}
    filterset = case_filterset(user=user, filters=filters, request=request, related=related)
    if not filterset.is_valid():
        return filterset.queryset.none(), filterset.errors
    return filterset.qs, {}


def case_list(*, user, filters: dict | None = None, request=None, related=LIST_RELATED) -> QuerySet[Case]:
    """The user's cases, filtered; newest first (the id order, served by the primary key)."""
    return case_filterset(user=user, filters=filters or {}, request=request, related=related).qs.order_by("-id")


def _level_q(user) -> Q:
    """Submitted cases waiting at a level where the user handles them."""
    scope = get_scope(user)
    if scope.unrestricted:
        return Q(state=CaseState.SUBMITTED)
    query = Q(pk__in=[])
    for level, roles in LEVEL_ROLES.items():
        prefixes = scope.prefixes(roles)
        if prefixes:
            query |= Q(level=level) & scope.q("region_code", roles=roles)
    departments = department_ids(user)
    if departments:
        query |= Q(level=CaseLevel.DEPARTMENT, department_id__in=departments)
    return Q(state=CaseState.SUBMITTED) & query


def inbox(*, user) -> QuerySet[Case]:
    """Cases waiting for this user: given to them, waiting at their level, or resolved and theirs to verify."""
    scope = get_scope(user)
    mine = Q(handler=user, state__in=[CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD])
    waiting = _level_q(user)
    verify = Q(pk__in=[])
    if scope.has_any_role(VERIFY_ROLES):
        verify = (
            Q(state=CaseState.RESOLVED)
            & scope.q("region_code", roles=VERIFY_ROLES)
            & ~Q(handler=user)
            & ~Q(resolved_by=user)
        )
    return (
        Case.objects.visible_to(user)
        .filter(mine | waiting | verify)
        .select_related(*LIST_RELATED)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def dispatch_board(*, user, community_code: str) -> dict[str, list[Case]]:
    """A community's open cases in columns: to accept here, with the grids, overdue, awaiting verification."""
    base = (
        Case.objects.visible_to(user)
        .filter(region_code__startswith=community_code, state__in=CLOCK_STATE_LIST + [CaseState.ON_HOLD])
        .select_related(*LIST_RELATED)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )
    now = timezone.now()
    columns: dict[str, list[Case]] = {"waiting": [], "grid": [], "community": [], "verify": [], "above": []}
    for case in base[:500]:
        if case.state == CaseState.RESOLVED:
            columns["verify"].append(case)
        elif case.level == CaseLevel.COMMUNITY and case.state == CaseState.SUBMITTED:
            columns["waiting"].append(case)
        elif case.level == CaseLevel.GRID:
            columns["grid"].append(case)
        elif case.level == CaseLevel.COMMUNITY:
            columns["community"].append(case)
        else:
            columns["above"].append(case)
        case.overdue_now = case.due_at is not None and case.due_at <= now
    return columns


def department_inbox(*, user) -> QuerySet[Summons]:
    """Summonses of the user's departments that still wait for a check-in or a report."""
    return (
        Summons.objects.filter(department_id__in=department_ids(user), reported_at__isnull=True)
        .select_related("case", "case__category", "department", "summoned_by")
        .order_by("check_in_due_at", "id")
    )


def patrol_list(*, user) -> QuerySet[Patrol]:
    return Patrol.objects.visible_to(user).select_related("region", "patroller").order_by("-date", "-id")
