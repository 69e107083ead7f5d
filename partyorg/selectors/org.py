"""Reads of the organisation tree: the tree with counts and vacancies, the member list, steward coverage."""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scoping import get_scope
from grids.models import Building, Region, RegionLevel, Unit

from ..models import (
    PARTY_VIEW_ROLES,
    CrossAppointment,
    MemberCategory,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrg,
    Position,
    PositionTitle,
)

LEADER_TITLES = (PositionTitle.SECRETARY, PositionTitle.GROUP_LEADER)
# Positions at a place, shown under their organisation at the bottom of the tree.
STEWARD_TITLES = (PositionTitle.UNIT_STEWARD, PositionTitle.BUILDING_HEAD, PositionTitle.CENTRAL_HOUSEHOLD)
COVERAGE_LEVELS = frozenset({RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICROGRID})


def _active_orgs(qs: QuerySet) -> QuerySet:
    today = timezone.localdate()
    return qs.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today))


def org_get_for_user(*, user, pk) -> PartyOrg:
    """An organisation the user may see; 404 when it is missing or outside their scope."""
    try:
        return PartyOrg.objects.visible_to(user).select_related("region", "parent__region").get(pk=pk)
    except (PartyOrg.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def member_get_for_user(*, user, pk) -> PartyMember:
    try:
        return PartyMember.objects.visible_to(user).select_related("org__region", "resident").get(pk=pk)
    except (PartyMember.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------- the tree


@dataclass
class OrgNode:
    """An organisation in the tree, with what the browser shows beside it."""

    org: PartyOrg
    member_count: int = 0
    leader: Position | None = None
    stewards: list[Position] = field(default_factory=list)
    children: list[OrgNode] = field(default_factory=list)

    @property
    def is_vacant(self) -> bool:
        return self.leader is None

    @property
    def leader_title(self) -> str:
        return PositionTitle.GROUP_LEADER if self.org.kind == OrgKind.GROUP else PositionTitle.SECRETARY

    @property
    def leader_title_label(self) -> str:
        return PositionTitle(self.leader_title).label

    @property
    def subtree_member_count(self) -> int:
        return self.member_count + sum(child.subtree_member_count for child in self.children)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def org_tree(user, root: PartyOrg | None = None) -> list[OrgNode]:
    """The active organisations the user sees, nested: the roots are those whose parent they do not
    see (or `root`'s children when given). Three queries whatever the size of the tree."""
    orgs = list(
        _active_orgs(PartyOrg.objects.visible_to(user))
        .select_related("region")
        .annotate(member_count=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)))
        .order_by("region_code", "sort_order", "name", "pk")
    )
    nodes = {org.pk: OrgNode(org=org, member_count=org.member_count) for org in orgs}
    positions = (
        Position.objects.visible_to(user)
        .current()
        .filter(org_id__in=list(nodes), title__in=[*LEADER_TITLES, *STEWARD_TITLES])
        .select_related("member", "unit__building__estate", "building__estate")
        .order_by("title", "start_date", "pk")
    )
    for position in positions:
        node = nodes[position.org_id]
        if position.title in STEWARD_TITLES:
            node.stewards.append(position)
        elif position.title == node.leader_title and node.leader is None:
            node.leader = position
    roots: list[OrgNode] = []
    for node in nodes.values():
        parent = nodes.get(node.org.parent_id)
        if parent is not None:
            parent.children.append(node)
        else:
            roots.append(node)
    if root is not None:
        found = nodes.get(root.pk)
        return found.children if found is not None else []
    return roots


def org_descendant_ids(user, org: PartyOrg) -> set[int]:
    """The organisation and everything under it that the user sees (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in PartyOrg.objects.visible_to(user).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [org.pk]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.add(pk)
        stack.extend(children.get(pk, ()))
    return found


# ---------------------------------------------------------------- members


class MemberFilter(django_filters.FilterSet):
    """Filters of the member list (page and API)."""

    q = django_filters.CharFilter(label=_("Name"), method="filter_name")
    category = django_filters.ChoiceFilter(label=pgettext_lazy("party", "Category"), choices=MemberCategory.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MemberStatus.choices)
    org = django_filters.ModelChoiceFilter(
        label=_("Organisation (and those under it)"), queryset=PartyOrg.objects.none(), method="filter_org"
    )
    title = django_filters.ChoiceFilter(
        label=_("Current position"), choices=PositionTitle.choices, method="filter_title"
    )

    class Meta:
        model = PartyMember
        fields = ["q", "category", "status", "org", "title"]

    def __init__(self, data=None, queryset=None, *, request=None, user=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.user = user if user is not None else getattr(request, "user", None)
        self.filters["org"].queryset = PartyOrg.objects.visible_to(self.user).order_by("region_code", "sort_order")

    def filter_name(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(resident__name__icontains=value))

    def filter_org(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(org_id__in=org_descendant_ids(self.user, value))

    def filter_title(self, queryset, name, value):
        if not value:
            return queryset
        held = Position.objects.current().filter(member=OuterRef("pk"), title=value)
        return queryset.filter(Exists(held))


def member_queryset(user) -> QuerySet[PartyMember]:
    """Members the user sees, with their organisation, resident and current positions."""
    current = Position.objects.current().select_related("org", "unit__building__estate", "building__estate")
    return (
        PartyMember.objects.visible_to(user)
        .select_related("org", "resident")
        .prefetch_related(Prefetch("positions", queryset=current.order_by("title"), to_attr="current_positions"))
        .order_by("region_code", "org__sort_order", "org_id", "name", "pk")
    )


def member_filterset(user, filters=None) -> MemberFilter:
    return MemberFilter(filters or None, queryset=member_queryset(user), user=user)


def member_list(user, filters=None) -> QuerySet[PartyMember]:
    """Members the user sees, narrowed by the filters (category, org and its subtree, position title,
    status, name)."""
    return member_filterset(user, filters).qs


def cross_appointment_list(user) -> QuerySet[CrossAppointment]:
    return (
        CrossAppointment.objects.visible_to(user)
        .select_related("community_org", "member")
        .order_by("region_code", "person_name", "-start_date", "pk")
    )


# ---------------------------------------------------------------- steward coverage


@dataclass(frozen=True)
class Coverage:
    region: Region
    units_total: int
    units_covered: int
    buildings_total: int
    buildings_covered: int

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def unit_share(self) -> float | None:
        """Share of units with a current unit steward (None when there are no units)."""
        return self._share(self.units_covered, self.units_total)

    @property
    def building_share(self) -> float | None:
        """Share of buildings with an active Party group or a current Party member building head."""
        return self._share(self.buildings_covered, self.buildings_total)


def coverage_region(user, region_code: str) -> Region:
    """A grid, micro-grid or community whose Party records the user may see; 404 otherwise."""
    code = (region_code or "").strip()
    region = Region.objects.filter(code=code, level__in=COVERAGE_LEVELS).first()
    if region is None or not get_scope(user).covers(region.code, roles=PARTY_VIEW_ROLES):
        raise Http404
    return region


def steward_coverage(user, region_code: str) -> Coverage:
    """Units with a current steward and buildings with a Party group or building head, under a place.

    Two aggregate queries (one over units, one over buildings), whatever the size of the place.
    """
    region = coverage_region(user, region_code)
    today = timezone.localdate()
    current = Position.objects.current(today)
    has_steward = Exists(current.filter(title=PositionTitle.UNIT_STEWARD, unit=OuterRef("pk")))
    units = Unit.objects.filter(region_code__startswith=region.code).aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(has_steward))
    )
    active_group = PartyOrg.buildings.through.objects.filter(
        Q(partyorg__dissolved_on__isnull=True) | Q(partyorg__dissolved_on__gt=today),
        building=OuterRef("pk"),
        partyorg__kind=OrgKind.GROUP,
    )
    has_head = current.filter(title=PositionTitle.BUILDING_HEAD, building=OuterRef("pk"))
    buildings = Building.objects.filter(region_code__startswith=region.code).aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(Exists(active_group)) | Q(Exists(has_head)))
    )
    return Coverage(
        region=region,
        units_total=units["total"],
        units_covered=units["covered"],
        buildings_total=buildings["total"],
        buildings_covered=buildings["covered"],
    )


# ---------------------------------------------------------------- figures of a place (dashboards)


def grid_branch_count(code: str) -> int:
    """Active Party branches standing for a grid (网格党支部) under a place: one query.

    Takes a code prefix ("" for everywhere) and no user: the caller scopes the place. Branches of a
    community (小区党支部) or a micro-grid are not grid branches.
    """
    return (
        _active_orgs(PartyOrg.objects.under(code)).filter(kind=OrgKind.BRANCH, region__level=RegionLevel.GRID).count()
    )


def unit_steward_counts(code: str) -> dict[str, int]:
    """Units under a place of any level and those with a current unit steward: one aggregate query.

    `steward_coverage` for a place given by its code prefix ("" for everywhere), without a user: the
    caller scopes the place.
    """
    has_steward = Exists(Position.objects.current().filter(title=PositionTitle.UNIT_STEWARD, unit=OuterRef("pk")))
    return Unit.objects.filter(region_code__startswith=code).aggregate(
        units=Count("pk"), covered=Count("pk", filter=Q(has_steward))
    )
