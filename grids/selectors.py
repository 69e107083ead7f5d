"""Reads of the territory and the ledger that are more than a get."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from .models import Building, Household, Region, Resident
from .validators import LEVEL_LENGTHS, LEVEL_ORDER


def child_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def counts_by_prefix(model, *, under: str, length: int) -> Counter:
    """Rows of a territorial model (or queryset) under a code, grouped by the first `length` digits: one query."""
    queryset = model.objects.all() if isinstance(model, type) else model
    rows = (
        queryset.filter(region_code__startswith=under)
        .annotate(prefix=Substr("region_code", 1, length))
        .values("prefix")
        .annotate(n=Count("id"))
        .values_list("prefix", "n")
    )
    return Counter(dict(rows))


def region_children_with_counts(*, user, region: Region | None) -> list[Region]:
    """The visible children of a region (or the user's top places), each with household,
    resident and building counts attached: four queries whatever the number of children."""
    if region is None:
        children = list(top_regions_for(user))
    else:
        # Regions retired by a redraw stay in the tree for history but leave the browser.
        children = list(Region.objects.visible_to(user).current().filter(parent=region).order_by("code"))
    if not children:
        return children
    # Children of one parent share a length; the user's top places may not.
    for length in sorted({len(c.code) for c in children}):
        group = [c for c in children if len(c.code) == length]
        under = region.code if region is not None else ""
        households = counts_by_prefix(Household, under=under, length=length)
        # Residents who moved out keep their last region_code but no longer live there.
        residents = counts_by_prefix(Resident.objects.current(), under=under, length=length)
        buildings = counts_by_prefix(Building, under=under, length=length)
        for child in group:
            child.household_count = households.get(child.code, 0)
            child.resident_count = residents.get(child.code, 0)
            child.building_count = buildings.get(child.code, 0)
    return children


def region_totals(region: Region) -> dict[str, int]:
    return {
        "households": Household.objects.under(region.code).count(),
        "residents": Resident.objects.current().under(region.code).count(),
        "buildings": Building.objects.under(region.code).count(),
    }


def top_regions_for(user) -> QuerySet[Region]:
    """The highest places the user may see: their assignments' places, or the provinces."""
    from accounts.scoping import get_scope

    scope = get_scope(user)
    if scope.unrestricted:
        return Region.objects.filter(parent__isnull=True).order_by("code")
    return Region.objects.filter(code__in=scope.prefixes()).order_by("code")


def region_get_for_user(*, user, code: str) -> Region:
    """A region the user may see; 404 when it is missing or outside their scope."""
    return get_object_or_404(Region.objects.visible_to(user).select_related("parent"), code=code)


def region_breadcrumbs(region: Region) -> list[Region]:
    codes = [region.code[:n] for n in LEVEL_LENGTHS.values() if n < len(region.code)]
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def resident_list(*, user) -> QuerySet[Resident]:
    return (
        Resident.objects.visible_to(user)
        # Households come in a second query for just the rows of the page: joining them would
        # make PostgreSQL hash the whole household table before it sorts and cuts the page.
        .prefetch_related("household", "tags")
        .order_by("region_code", "id")
    )


def resident_get_for_user(*, user, pk: int) -> Resident:
    return get_object_or_404(resident_list(user=user), pk=pk)
