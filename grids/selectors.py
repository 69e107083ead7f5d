"""Reads of the territory and the ledger that are more than a get."""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Assignment
from accounts.roles import Role

from .filters import birth_date_bounds
from .models import (
    ELDERLY_AGE,
    Building,
    GridWorker,
    GridWorkerKind,
    Household,
    LedgerColour,
    Region,
    RegionLevel,
    Resident,
    Tag,
)
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


def resident_page(*, user) -> QuerySet[Resident]:
    """The rows of the resident list API: each brings its household's address and its tag slugs.

    Both are correlated subqueries in the select list, which PostgreSQL evaluates after the sort
    and the LIMIT, i.e. for the rows of the page only: one query per page instead of three, and no
    model instance for households or tags. They are written in SQL because building them as ORM
    subqueries costs more than running them. SQLite has no arrays, so its tags are prefetched.
    """
    resident, household = Resident._meta.db_table, Household._meta.db_table
    through = Resident.tags.through._meta.db_table
    address = f"SELECT h.address FROM {household} h WHERE h.id = {resident}.household_id"
    rows = Resident.objects.visible_to(user).annotate(household_address=RawSQL(address, ()))
    if connection.vendor == "postgresql":
        slugs = (
            f"ARRAY(SELECT t.slug FROM {through} rt JOIN {Tag._meta.db_table} t ON t.id = rt.tag_id"
            f" WHERE rt.resident_id = {resident}.id ORDER BY t.is_system DESC, t.id)"
        )  # the order of Tag.Meta.ordering
        rows = rows.annotate(tag_slugs=RawSQL(slugs, ()))
    else:
        rows = rows.prefetch_related("tags")
    return rows.order_by("region_code", "id")


def resident_get_for_user(*, user, pk: int) -> Resident:
    return get_object_or_404(resident_list(user=user), pk=pk)


# ---------------------------------------------------------------- figures of a place (dashboards)
#
# Each takes a code prefix ("" for everywhere) and no user: the caller has already decided that its
# user may see the place. Each costs one aggregate query (two for the households) and returns plain data.


def grid_household_counts(code: str) -> dict:
    """Households under a place, and every current grid and micro-grid there with its household count
    and target; two queries whatever the number of grids.

    A grid's count includes its micro-grids' households (households sit in the deepest place).
    """
    by_code = dict(
        Household.objects.under(code).values("region_code").annotate(n=Count("id")).values_list("region_code", "n")
    )
    regions = (
        Region.objects.current()
        .under(code)
        .filter(level__in=[RegionLevel.GRID, RegionLevel.MICROGRID])
        .only("code", "name", "level", "target_households_min", "target_households_max")
        .order_by("code")
    )
    # Loops over the distinct codes households sit at and over places, never over households.
    counts: Counter = Counter()
    for held_at, n in by_code.items():
        for length in (LEVEL_LENGTHS[RegionLevel.GRID], LEVEL_LENGTHS[RegionLevel.MICROGRID]):
            if len(held_at) >= length:
                counts[held_at[:length]] += n
    places = []
    for region in regions:
        targets = region.targets
        places.append(
            {
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "households": counts[region.code],
                "target": list(targets) if targets else None,
            }
        )
    return {"households": sum(by_code.values()), "places": places}


def resident_counts(code: str) -> dict:
    """Current residents under a place: the total, the elderly (by birth date, as the resident list
    filters them) and the count per ledger colour, in one query."""
    colours = {colour: Count("id", filter=Q(ledger_colour=colour)) for colour in LedgerColour.values}
    elderly = birth_date_bounds(min_age=ELDERLY_AGE, max_age=None)
    row = (
        Resident.objects.current()
        .under(code)
        .aggregate(total=Count("id"), elderly=Count("id", filter=elderly), **colours)
    )
    return {
        "total": row["total"],
        "elderly": row["elderly"],
        "by_colour": [
            {"key": colour.value, "label": str(colour.label), "count": row[colour.value]} for colour in LedgerColour
        ],
    }


def resident_tag_counts(code: str) -> list[dict]:
    """Every special-group tag with its number of current residents under a place (zero included): one query."""
    living_here = Q(residents__household__isnull=False, residents__region_code__startswith=code)
    tags = Tag.objects.annotate(n=Count("residents", filter=living_here, distinct=True)).order_by("-is_system", "id")
    return [{"key": slug, "label": name, "count": n} for slug, name, n in tags.values_list("slug", "name", "n")]


def grid_worker_counts(code: str) -> list[dict]:
    """Grid workers serving under a place today, per kind (every kind, zero included): one query."""
    today = timezone.localdate()
    rows = dict(
        GridWorker.objects.under(code)
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return [{"key": kind.value, "label": str(kind.label), "count": rows.get(kind.value, 0)} for kind in GridWorkerKind]


def community_worker_count(code: str) -> int:
    """Community workers (社区工作者) of a place: people holding an active community-worker role at a
    region under it, each counted once however many such roles they hold; one query.

    Community workers are role assignments in this project, not grid posts: GridWorkerKind has no
    community-worker kind (its kinds are the grid members, micro-grid heads, grid heads and the 警格+网格
    officers), and the demo gives community workers an Assignment at their community and no GridWorker
    row. Accounts that are switched off do not count, whatever their assignments still say.
    """
    return (
        Assignment.objects.active()
        .filter(role=Role.COMMUNITY_WORKER, region__code__startswith=code, user__is_active=True)
        .values("user_id")
        .distinct()
        .count()
    )
