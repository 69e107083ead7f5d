"""Buildings and their units: one row per unit (or per building, with the unit left blank).

The natural key is the estate, the building number and the unit number, within the community of
the building's grid. A row names an existing estate; with a community code it may also add an
estate that is not in the ledger yet. Buildings and units missing from the ledger are created;
a building's floors and position may be changed. Its grid may not: residents' and households'
region codes follow it, so moving a building is a territory change, not an import.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Building, Region, RegionLevel
from grids.resources.roster import building_key, match_key, unit_key

from .. import cells
from ..headers import Column
from . import register
from .base import Change, Pending, RosterKind

ESTATE = Column("estate", gettext_lazy("Estate"), synonyms=("小区", "小区名称", "小区名"), required=True)
COMMUNITY = Column(
    "community",
    gettext_lazy("Community code"),
    synonyms=("所属社区", "所属社区编码", "社区代码", "社区编号"),
    text=True,
    help=gettext_lazy(
        "Only needed to add an estate that is not in the ledger yet: the 12-digit code of its community."
    ),
)
BUILDING = Column(
    "building", gettext_lazy("Building number"), synonyms=("楼栋", "楼号", "栋号", "楼栋编号"), required=True, text=True
)
UNIT = Column(
    "unit",
    gettext_lazy("Unit number"),
    synonyms=("单元", "单元编号"),
    text=True,
    help=gettext_lazy("Leave blank for a row about the building only."),
)
GRID = Column(
    "grid",
    gettext_lazy("Grid code"),
    synonyms=("网格编码", "网格代码", "所属网格", "网格编号", "微网格编码"),
    required=True,
    text=True,
    help=gettext_lazy("The code of the grid or micro-grid the building lies in."),
)
FLOORS = Column("floors", gettext_lazy("Floors"), synonyms=("层数", "楼层", "总层数"))
LATITUDE = Column("latitude", gettext_lazy("Latitude"), synonyms=("lat",))
LONGITUDE = Column("longitude", gettext_lazy("Longitude"), synonyms=("lng", "lon"))

ATTRIBUTES = ("floors", "latitude", "longitude")  # what an import may change on an existing building
GRID_LEVELS = (RegionLevel.GRID, RegionLevel.MICROGRID)
CODE_LENGTHS = {RegionLevel.COMMUNITY: (12,), RegionLevel.GRID: (15, 17)}
MAX_FLOORS = 200
PLACES = Decimal("0.000001")  # the six decimals of Building.latitude and longitude
EXPORT_CHUNK = 2000
KEY_LENGTH = 64
# For a grid code and for a community code: no such region, a region of another level, not in the area.
REGION_MESSAGES = {
    True: (
        gettext_lazy("%(column)s: there is no grid code %(code)s."),
        gettext_lazy("%(column)s: %(code)s is the code of a %(level)s, not of a grid or micro-grid."),
        gettext_lazy("Not in your area: grid %(code)s."),
    ),
    False: (
        gettext_lazy("%(column)s: there is no community code %(code)s."),
        gettext_lazy("%(column)s: %(code)s is not the code of a community."),
        gettext_lazy("Not in your area: community %(code)s."),
    ),
}


# ---------------------------------------------------------------------- shared by the place rosters


@dataclass
class Scope:
    """Where the job may write, and the regions its rows named (code → (id, level, valid_to) or None)."""

    prefixes: list[str]
    regions: dict[str, tuple[int, str, object] | None] = field(default_factory=dict)

    def covers(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.prefixes)


def job_prefixes(job) -> list[str]:
    """The importer's places narrowed to the place chosen for the job (as the resident roster does)."""
    prefixes = [p for p in job.allowed_prefixes if p.startswith(job.place_code) or job.place_code.startswith(p)]
    return [max(p, job.place_code, key=len) for p in prefixes]


def load_regions(codes: set[str], scope: Scope) -> None:
    wanted = {code for code in codes if code and code not in scope.regions}
    if not wanted:
        return
    scope.regions.update(dict.fromkeys(wanted))
    for pk, code, level, valid_to in Region.objects.filter(code__in=wanted).values_list(
        "pk", "code", "level", "valid_to"
    ):
        scope.regions[code] = (pk, level, valid_to)


def region_code(value, column: Column, level: str) -> tuple[str | None, str | None]:
    """A community's or grid's code as written in a cell: digits of the expected length."""
    if isinstance(value, float) and value >= 1e15:
        return None, _(
            "%(column)s: Excel turned this code into a number and lost its last digits. Set the column's format "
            "to Text and type the code again."
        ) % {"column": column.label}
    text, error = cells.clean_code(value)
    if error:
        return None, f"{column.label}：{error}"
    if text is None:
        return None, None
    text = "".join(unicodedata.normalize("NFKC", text).split())
    if not text.isdigit() or len(text) not in CODE_LENGTHS[level]:
        if level == RegionLevel.COMMUNITY:
            return None, _("%(column)s: write the 12-digit code of a community.") % {"column": column.label}
        return None, _("%(column)s: write the code of a grid (15 digits) or micro-grid (17 digits).") % {
            "column": column.label
        }
    return text, None


def check_region(row: Pending, code: str, column: Column, scope: Scope, levels) -> int | None:
    """The id of the region ``code`` names when it exists, has one of ``levels`` and is in the job's
    area; else None, with a message on the row."""
    missing, wrong_level, outside = REGION_MESSAGES[levels == GRID_LEVELS]
    values = {"column": column.label, "code": code}
    found = scope.regions.get(code)
    if found is None:
        row.errors.append(missing % values)
        return None
    pk, level, valid_to = found
    if level not in levels:
        row.errors.append(wrong_level % {**values, "level": RegionLevel(level).label})
    elif valid_to is not None and valid_to < timezone.localdate():
        row.errors.append(
            _("%(column)s: the region %(code)s no longer exists (it ended on %(date)s).")
            % {**values, "date": valid_to.isoformat()}
        )
    elif not scope.covers(code):
        row.errors.append(outside % values)
    else:
        return pk
    return None


def short_key(key: str) -> str:
    """A natural key that fits the staging table's column, still telling different keys apart."""
    if len(key) <= KEY_LENGTH:
        return key
    return key[: KEY_LENGTH - 17] + "#" + hashlib.sha1(key.encode()).hexdigest()[:16]


def too_long(column: Column, text: str | None, limit: int) -> str | None:
    if text is not None and len(text) > limit:
        return _("%(column)s: at most %(count)s characters.") % {"column": column.label, "count": limit}
    return None


def decimal_text(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(PLACES))


# ---------------------------------------------------------------------- the roster type


@dataclass
class Context(Scope):
    estates: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)  # name key → (id, name, code)
    # estate id → building key → [(id, number, region code, floors, latitude, longitude)]
    buildings: dict[int, dict[str, list[tuple]]] = field(default_factory=dict)
    units: dict[int, dict[str, tuple[int, str]]] = field(default_factory=dict)  # building id → unit key → unit
    seen: dict[str, dict[str, tuple]] = field(default_factory=dict)  # building key → what its rows gave


def _number(value, column: Column, low, high, *, whole: bool):
    text, error = cells.clean_text(value)
    if error or text is None:
        return None, error and f"{column.label}：{error}"
    text = unicodedata.normalize("NFKC", text).replace(" ", "").removesuffix("层" if whole else "°")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not low <= number <= high or (whole and number != int(number)):
        message = _("%(column)s: write a whole number from %(low)s to %(high)s.") if whole else None
        message = message or _("%(column)s: write a number from %(low)s to %(high)s.")
        return None, message % {"column": column.label, "low": low, "high": high}
    return (int(number) if whole else decimal_text(number)), None


class BuildingsKind(RosterKind):
    slug = "buildings"
    label = gettext_lazy("Buildings and units")
    title = "楼栋花名册"
    columns = (ESTATE, COMMUNITY, BUILDING, UNIT, GRID, FLOORS, LATITUDE, LONGITUDE)
    example = {
        "estate": "金凤小区", "community": "640302001001", "building": "1号楼", "unit": "1单元",
        "grid": "640302001001001", "floors": "6", "latitude": "37.997000", "longitude": "106.198000",
    }  # fmt: skip
    key_column = "building"
    writer = "imports.kinds.buildings_apply"

    def context(self, job) -> Context:
        return Context(prefixes=job_prefixes(job))

    # ------------------------------------------------------------------ clean (no database)

    def clean(self, row: Pending, context: Context) -> None:
        raw, errors = row.raw, row.errors
        data = {}
        for column, limit in ((ESTATE, 64), (BUILDING, 32), (UNIT, 16)):
            text, error = cells.clean_code(raw.get(column.key))
            if error:
                errors.append(f"{column.label}：{error}")
            elif text is None and column.required:
                errors.append(_("%(column)s: please fill in this column.") % {"column": column.label})
            elif message := too_long(column, text, limit):
                errors.append(message)
            data[column.key] = text
        data["community"], error = region_code(raw.get("community"), COMMUNITY, RegionLevel.COMMUNITY)
        errors.extend([error] if error else [])
        data["region_code"], error = region_code(raw.get("grid"), GRID, RegionLevel.GRID)
        if error or data["region_code"] is None:
            errors.append(error or _("%(column)s: please fill in this column.") % {"column": GRID.label})
        data["floors"], error = _number(raw.get("floors"), FLOORS, 1, MAX_FLOORS, whole=True)
        errors.extend([error] if error else [])
        for column, limit in ((LATITUDE, 90), (LONGITUDE, 180)):
            data[column.key], error = _number(raw.get(column.key), column, -limit, limit, whole=False)
            errors.extend([error] if error else [])
        if (data["latitude"] is None) != (data["longitude"] is None) and not errors:
            errors.append(_("Latitude and longitude go together: fill in both or neither."))
        if errors:
            return
        bkey = "/".join((data["region_code"][:12], match_key(data["estate"]), building_key(data["building"])))
        data["bkey"] = short_key(bkey)
        row.key = short_key(bkey + (f"/{unit_key(data['unit'])}" if data["unit"] else ""))
        self._agree(row, data, context)
        row.data = data

    def _agree(self, row: Pending, data: dict, context: Context) -> None:
        """The rows of one building must not give it different grids, floors or positions."""
        seen = context.seen.setdefault(data["bkey"], {})  # field → (value, the first row giving it)
        columns = {"region_code": GRID, "community": COMMUNITY, "floors": FLOORS, "latitude": LATITUDE}
        for name in ("region_code", "community", *ATTRIBUTES):
            if data[name] is None:
                continue
            value, number = seen.setdefault(name, (data[name], row.number))
            if value != data[name]:
                row.errors.append(
                    _("%(column)s: row %(row)s gives this building %(value)s; the rows of one building must agree.")
                    % {"column": columns.get(name, LONGITUDE).label, "row": number, "value": value}
                )

    # ------------------------------------------------------------------ resolve (a batch, a few queries)

    def _estate(self, row: Pending, context: Context) -> bool:
        data = row.data
        community = data["region_code"][:12]
        named = context.estates.get(match_key(data["estate"]), [])
        estates = [estate for estate in named if estate[2][:12] == community]
        if len(estates) > 1:
            row.errors.append(
                _("Estate: several estates named %(estate)s lie in the community of grid %(grid)s; correct their "
                  "names in the territory set-up first.") % {"estate": data["estate"], "grid": data["region_code"]}
            )  # fmt: skip
            return False
        if estates:
            data["estate_id"], data["estate"], _code = estates[0]
            return True
        if data["community"] is None:
            row.errors.append(
                _("Estate: there is no estate named %(estate)s in the community of grid %(grid)s; to add it, fill "
                  "in the community code.") % {"estate": data["estate"], "grid": data["region_code"]}
            )  # fmt: skip
            return False
        data["estate_id"] = None
        data["community_id"] = check_region(row, data["community"], COMMUNITY, context, (RegionLevel.COMMUNITY,))
        return data["community_id"] is not None

    def _building(self, row: Pending, context: Context) -> tuple | None:
        data = row.data
        if data["estate_id"] is None:
            return None
        candidates = context.buildings[data["estate_id"]].get(building_key(data["building"]), [])
        exact = [b for b in candidates if match_key(b[1]) == match_key(data["building"])]
        candidates = exact or candidates
        if len(candidates) > 1:
            row.errors.append(
                _("Building: estate %(estate)s has several buildings numbered like %(building)s; write the number "
                  "exactly as in the ledger.") % data
            )  # fmt: skip
        return candidates[0] if len(candidates) == 1 else None

    def resolve(self, rows: list[Pending], context: Context) -> None:
        from .buildings_apply import load_places

        load_places(rows, context)
        for row in rows:
            data = row.data
            grid_code = data["region_code"]
            data["region_id"] = check_region(row, grid_code, GRID, context, GRID_LEVELS)
            if data["community"] and data["community"] != grid_code[:12] and data["region_id"]:
                row.errors.append(
                    _("%(column)s: the grid %(grid)s is not in the community %(code)s.")
                    % {"column": COMMUNITY.label, "grid": grid_code, "code": data["community"]}
                )
            if row.errors or not self._estate(row, context):
                continue
            building = self._building(row, context)
            if not row.errors:
                self._compare(row, building, context)

    def _compare(self, row: Pending, building: tuple | None, context: Context) -> None:
        from ..models import RowStatus

        data = row.data
        data["building_id"] = data["unit_id"] = None
        unit = None
        if building is not None:
            pk, data["building"], code = building[:3]
            if not context.covers(code):
                row.errors.append(_("Not in your area: %(estate)s %(building)s.") % data)
                return
            if code != data["region_code"]:
                row.errors.append(
                    _("%(column)s: building %(estate)s %(building)s lies in grid %(code)s; an import cannot move a "
                      "building to another grid.") % {**data, "column": GRID.label, "code": code}
                )  # fmt: skip
                return
            data["building_id"] = row.target_id = pk
            unit = context.units[pk].get(unit_key(data["unit"])) if data["unit"] else None
        if unit is not None:
            data["unit_id"], data["unit"] = unit
        elif data["unit"] and data["unit"].isdigit():
            data["unit"] = f"{data['unit']}单元"  # the ledger's own way of writing unit numbers
        if building is None:
            row.status = RowStatus.NEW
            return
        before = {}
        for name, current in zip(ATTRIBUTES, building[3:], strict=True):
            if data[name] is None:
                data[name] = current
            elif data[name] != current:
                before[name] = current
        row.before = before or None
        if data["unit"] and unit is None:
            row.status = RowStatus.NEW
            data["building_before"] = row.before
        else:
            row.status = RowStatus.CHANGED if before else RowStatus.UNCHANGED

    # ------------------------------------------------------------------ apply, undo

    # ------------------------------------------------------------------ preview, export

    def changes(self, data: dict, before: dict | None, *, user) -> list[Change]:
        from .buildings_apply import preview

        return preview({c.key: str(c.label) for c in self.columns}, data, before)

    def export_queryset(self, user):
        return Building.objects.visible_to(user).order_by("region_code", "estate_id", "pk")

    def export_rows(self, queryset, *, full: bool = False) -> Iterator[list]:
        """One row per unit, and one for each building without units; nothing in them is personal."""
        from .buildings_apply import export_rows

        return export_rows(queryset)


register(BuildingsKind())
