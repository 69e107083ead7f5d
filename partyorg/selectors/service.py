"""Reads of 双报到, co-building lists and 书记领办项目: scoped querysets and aggregates in constant queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.scoping import get_scope
from grids.models import Region, RegionLevel

from ..models import (
    PARTY_VIEW_ROLES,
    Agreement,
    CoBuildingUnit,
    DualRegistration,
    ListItem,
    ListKind,
    ProjectStatus,
    ProjectUpdate,
    SecretaryProject,
    ServiceRecord,
)

ZERO_HOURS = Value(Decimal("0"), output_field=DecimalField(max_digits=9, decimal_places=1))


def community_get_for_user(*, user, code: str) -> Region:
    """A community whose Party records the user may see; 404 when missing, not a community or out of scope."""
    if not get_scope(user).covers(code, roles=PARTY_VIEW_ROLES):
        raise Http404
    return get_object_or_404(Region, code=code, level=RegionLevel.COMMUNITY)


def community_get_public(*, code: str) -> Region:
    return get_object_or_404(Region, code=code, level=RegionLevel.COMMUNITY)


def member_display_name(member) -> str:
    """A member linked to a resident shows the resident's name only."""
    resident = member.resident if member.resident_id else None
    return resident.name if resident is not None else member.name


# ---------------------------------------------------------------- 双报到


def dual_registrations(*, user, community: Region | None = None, include_ended: bool = False) -> QuerySet:
    """Registrations with their total service hours and record count."""
    rows = DualRegistration.objects.visible_to(user)
    if community is not None:
        rows = rows.filter(community=community)
    if not include_ended:
        rows = rows.filter(ended_on__isnull=True)
    return (
        rows.select_related("member__resident", "community")
        .annotate(
            total_hours=Coalesce(Sum("services__hours"), ZERO_HOURS),
            record_count=Count("services"),
        )
        .order_by("workplace", "member__name", "id")
    )


def hours_per_member(*, user, community: Region) -> QuerySet:
    """Total service hours per member in the community (over all their registrations)."""
    return (
        ServiceRecord.objects.visible_to(user)
        .filter(registration__community=community)
        .values("registration__member_id", "registration__member__name")
        .annotate(hours=Sum("hours"), records=Count("id"))
        .order_by("registration__member__name")
    )


def hours_per_workplace(
    *, user, community: Region, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet:
    """Registered members and their service hours per workplace (in a period when given)."""
    in_period = Q()
    if start:
        in_period &= Q(services__date__gte=start)
    if end:
        in_period &= Q(services__date__lte=end)
    return (
        _registrations_in_period(user=user, community=community, start=start, end=end)
        .values("workplace")
        .annotate(
            members=Count("member", distinct=True),
            hours=Coalesce(Sum("services__hours", filter=in_period), ZERO_HOURS),
        )
        .order_by("workplace")
    )


def _registrations_in_period(*, user, community: Region, start: dt.date | None, end: dt.date | None) -> QuerySet:
    rows = DualRegistration.objects.visible_to(user).filter(community=community)
    if end:
        rows = rows.filter(registered_on__lte=end)
    if start:
        rows = rows.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    return rows


@dataclass
class WorkplaceReport:
    workplace: str
    rows: list = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((row.period_hours for row in self.rows), Decimal("0"))

    @property
    def records(self) -> int:
        return sum(row.period_records for row in self.rows)


def dual_report(*, user, community: Region, start: dt.date, end: dt.date) -> list[WorkplaceReport]:
    """双报告: per workplace, the members registered in the period and their hours in it (one query)."""
    in_period = Q(services__date__gte=start, services__date__lte=end)
    rows = (
        _registrations_in_period(user=user, community=community, start=start, end=end)
        .select_related("member__resident")
        .annotate(
            period_hours=Coalesce(Sum("services__hours", filter=in_period), ZERO_HOURS),
            period_records=Count("services", filter=in_period),
        )
        .order_by("workplace", "member__name", "id")
    )
    groups: dict[str, WorkplaceReport] = {}
    for row in rows:
        row.display_name = member_display_name(row.member)
        groups.setdefault(row.workplace, WorkplaceReport(workplace=row.workplace)).rows.append(row)
    return list(groups.values())


def service_records(*, user, registration: DualRegistration) -> QuerySet:
    return ServiceRecord.objects.visible_to(user).filter(registration=registration).order_by("-date", "-id")


# ---------------------------------------------------------------- co-building and the three lists


def cobuilding_units(*, user, community: Region | None = None) -> QuerySet:
    units = CoBuildingUnit.objects.visible_to(user)
    if community is not None:
        units = units.filter(community=community)
    return (
        units.select_related("community", "joint_committee")
        .prefetch_related(Prefetch("agreements", queryset=Agreement.objects.order_by("-signed_on", "-id")))
        .order_by("name", "id")
    )


def list_items(*, user, community: Region | None = None, kind: str | None = None) -> QuerySet:
    """List items with their unit, the need they answer, the resource they use and what answers them."""
    items = ListItem.objects.visible_to(user)
    if community is not None:
        items = items.filter(community=community)
    if kind:
        items = items.filter(kind=kind)
    return (
        items.select_related("unit", "need", "resource", "community")
        .prefetch_related(Prefetch("answers", queryset=ListItem.objects.select_related("unit").order_by("id")))
        .order_by("kind", "-created_at", "-id")
    )


@dataclass
class ThreeLists:
    resources: list
    needs: list
    projects: list


def three_lists(*, user, community: Region) -> ThreeLists:
    """The community's three lists side by side (one query plus one for the matches)."""
    grouped: dict[str, list] = {kind: [] for kind in ListKind.values}
    for item in list_items(user=user, community=community):
        grouped[item.kind].append(item)
    return ThreeLists(
        resources=grouped[ListKind.RESOURCE], needs=grouped[ListKind.NEED], projects=grouped[ListKind.PROJECT]
    )


# ---------------------------------------------------------------- 书记领办项目


def _projects(rows: QuerySet) -> QuerySet:
    return rows.select_related("org", "secretary__resident").prefetch_related(
        Prefetch("updates", queryset=ProjectUpdate.objects.order_by("-date", "-id"))
    )


def secretary_projects(*, user, community: Region | None = None) -> QuerySet:
    rows = SecretaryProject.objects.visible_to(user)
    if community is not None:
        rows = rows.under(community.code)
    return _projects(rows).order_by("-started_on", "id")


def public_projects(*, community: Region) -> QuerySet:
    """The community's projects meant for residents: public ones only (for the page without login)."""
    return _projects(SecretaryProject.objects.under(community.code).filter(is_public=True)).order_by(
        "-started_on", "id"
    )


def project_counts_by_status(code: str) -> list[dict]:
    """书记领办项目 under a place per status (every status, zero included) with the sum of their progress
    percentages, public or not: one query. Takes a code prefix ("" for everywhere); the caller scopes it."""
    rows = {
        status: (n, total or 0)
        for status, n, total in SecretaryProject.objects.under(code)
        .values("status")
        .annotate(n=Count("id"), total=Sum("progress"))
        .values_list("status", "n", "total")
    }
    return [
        {
            "key": status.value,
            "label": str(status.label),
            "count": rows.get(status.value, (0, 0))[0],
            "progress_sum": rows.get(status.value, (0, 0))[1],
        }
        for status in ProjectStatus
    ]
