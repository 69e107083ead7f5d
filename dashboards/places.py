"""Which places a user may see a dashboard of, their names, breadcrumbs and children."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.roles import GRID_ROLES, Role
from accounts.scoping import get_scope
from grids.models import Region

from .models import DEPTHS

# Roles that see the dashboard of their place; grid roles see their grid's card only.
DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.DISTRICT_OFFICIAL, Role.STREET_STAFF, Role.COMMUNITY_WORKER})
CARD_ROLES = GRID_ROLES
LEVEL_NAMES = {
    2: _("Province"),
    4: _("City"),
    6: _("County / district"),
    9: _("Street / township"),
    12: _("Community / village"),
    15: _("Grid"),
    17: _("Micro-grid"),
}


# In URLs "everywhere" (code "") is spelled like this.
ALL = "all"


@dataclass(frozen=True)
class Place:
    code: str  # "" for everywhere (unrestricted users only)
    name: str
    region: Region | None
    crumbs: tuple[tuple[str, str], ...]  # (code, name) from the user's top place down to the parent

    @property
    def slug(self) -> str:
        """The place's code as it appears in URLs."""
        return self.code or ALL

    @property
    def level_name(self) -> str:
        return str(LEVEL_NAMES.get(len(self.code), _("Everywhere")))

    @property
    def code_is_invented(self) -> bool:
        return bool(self.region and self.region.code_is_invented)


def dashboard_roots(user) -> list[str]:
    """The top places of the user's dashboards ("" for everywhere), most senior first."""
    scope = get_scope(user)
    if scope.unrestricted:
        return [""]
    return list(scope.prefixes(DASHBOARD_ROLES))


def can_see_dashboard(user) -> bool:
    return bool(dashboard_roots(user))


def card_grids(user) -> list[str]:
    """Grid codes (15 digits) whose card a grid member sees."""
    scope = get_scope(user)
    if scope.unrestricted:
        return []
    return sorted({code[:15] for code in scope.prefixes(CARD_ROLES) if len(code) >= 15})


def resolve_place(user, code: str | None) -> Place:
    """The place asked for if the user may see its dashboard; the user's first place when none is asked.

    Missing and out-of-scope places both answer 404.
    """
    roots = dashboard_roots(user)
    if not roots:
        raise Http404
    if code == ALL:
        code = "" if "" in roots else None
        if code is None:
            raise Http404
    if code is None or code == "":
        code = roots[0]
        if code == "":
            return Place(code="", name=str(_("Everywhere")), region=None, crumbs=())
    if not code.isdigit() or len(code) not in DEPTHS:
        raise Http404
    if not any(code.startswith(root) for root in roots):
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    root = next((r for r in roots if code.startswith(r)), "")
    names = dict(Region.objects.filter(code__in=region.ancestor_codes).values_list("code", "name"))
    crumbs = []
    if root == "":
        crumbs.append((ALL, str(_("Everywhere"))))
    for ancestor in region.ancestor_codes:
        if len(ancestor) >= len(root) and ancestor in names:
            crumbs.append((ancestor, names[ancestor]))
    return Place(code=code, name=region.name, region=region, crumbs=tuple(crumbs))


def child_regions(code: str) -> dict[str, Region]:
    """The current child regions of a place by code (everywhere: the top-level regions)."""
    if code == "":
        regions = Region.objects.current().filter(parent__isnull=True)
    else:
        regions = Region.objects.current().filter(parent__code=code)
    return {region.code: region for region in regions}


def region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))
