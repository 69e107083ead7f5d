"""Residents with their households: one row per person, placed by estate, building, unit and room.

The natural key is the identity number. A row for a person already in the ledger changes their
fields; a different room is a move (the old stay closed, a new one opened). Units and households
that do not exist yet are created under the building; buildings come from the territory set-up.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Building, Estate, Household, Resident, Tag
from grids.pii import mask_id_number, mask_phone
from grids.resources.roster import (
    CHOICE_COLUMNS,
    COLOUR,
    COLOUR_NAMES,
    RELATION,
    RELATION_NAMES,
    RESIDENCY,
    RESIDENCY_NAMES,
    TAG_SEPARATORS,
)
from grids.resources.roster import building_key as _building_key
from grids.resources.roster import match_key as _match_key
from grids.resources.roster import room_key as _room_key
from grids.resources.roster import unit_key as _unit_key

from .. import cells
from ..headers import BIRTH_DATE, BUILDING, GENDER, ID_NUMBER, NAME, PHONE, ROOM, UNIT, Column
from . import register
from .base import Change, Pending, RosterKind

# The same few names (estates, buildings, values) recur on every row: their match keys are kept.
match_key, building_key, unit_key, room_key = (
    functools.lru_cache(maxsize=8192)(key) for key in (_match_key, _building_key, _unit_key, _room_key)
)

# Where a resident lives is required here (the shared columns leave it to each roster).
BUILDING, UNIT, ROOM = (replace(column, required=True) for column in (BUILDING, UNIT, ROOM))

ESTATE = Column("estate", gettext_lazy("Estate"), synonyms=("小区", "小区名称", "小区名"), required=True)
RESIDENCY_COLUMN = Column(
    "residency_type",
    gettext_lazy("Residency type"),
    synonyms=("人口类型", "户籍类型"),
    choices=CHOICE_COLUMNS[RESIDENCY],
)
RELATION_COLUMN = Column(
    "relation",
    gettext_lazy("Relation to head"),
    synonyms=("与户主关系", "户主关系", "与户主的关系"),
    choices=CHOICE_COLUMNS[RELATION],
)
COLOUR_COLUMN = Column(
    "ledger_colour", gettext_lazy("Ledger colour"), synonyms=("台账颜色", "颜色"), choices=CHOICE_COLUMNS[COLOUR]
)
TAGS = Column(
    "tags",
    gettext_lazy("Special groups"),
    synonyms=("特殊群体", "特殊人群", "标签"),
    help=gettext_lazy("Several groups separated by 、"),
)
NOTE = Column("note", gettext_lazy("Note"), synonyms=("备注",))

CHOICES = {
    "residency_type": RESIDENCY_NAMES,
    "relation": RELATION_NAMES,
    "ledger_colour": COLOUR_NAMES,
}
# Resident fields an import writes, in the order changes are shown.
WRITTEN = ("name", "phone", "residency_type", "relation", "ledger_colour", "note")
EXPORT_CHUNK = 2000
DEFAULTS = {"residency_type": "registered", "relation": "head", "ledger_colour": "orange", "phone": "", "note": ""}


@dataclass
class Context:
    prefixes: list[str]
    tags: dict[str, str]  # name or slug (match key) → slug
    today: dt.date
    estates: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # name key → (id, name)
    # estate id → building key → [(building id, number, region code)]
    buildings: dict[int, dict[str, list[tuple[int, str, str]]]] = field(default_factory=dict)
    units: dict[int, dict[str, tuple[int, str]]] = field(default_factory=dict)  # building id → unit key → (id, number)

    def covers(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.prefixes)


def _choice(names: dict, value) -> tuple[str | None, bool]:
    text = match_key(cells.number_text(value)) if value is not None else ""
    if not text:
        return None, True
    if text in names:
        return names[text], True
    if text in names.values():
        return text, True
    return None, False


class ResidentsKind(RosterKind):
    slug = "residents"
    label = gettext_lazy("Residents and households")
    title = "居民花名册"
    columns = (
        NAME, ID_NUMBER, GENDER, BIRTH_DATE, PHONE, ESTATE, BUILDING, UNIT, ROOM,
        RESIDENCY_COLUMN, RELATION_COLUMN, COLOUR_COLUMN, TAGS, NOTE,
    )  # fmt: skip
    example = {
        "name": "张三", "id_number": "640302199001011232", "gender": "男", "birth_date": "1990-01-01",
        "phone": "13800000000", "estate": "金凤小区", "building": "1号楼", "unit": "1单元", "room": "101",
        "residency_type": "户籍", "relation": "户主", "ledger_colour": "橙", "tags": "", "note": "",
    }  # fmt: skip
    key_column = "id_number"
    writer = "imports.kinds.residents_apply"

    # ------------------------------------------------------------------ clean (no database)

    def context(self, job) -> Context:
        tags = {}
        for slug, name in Tag.objects.values_list("slug", "name"):
            tags[match_key(name)] = slug
            tags[match_key(slug)] = slug
        prefixes = [p for p in job.allowed_prefixes if p.startswith(job.place_code) or job.place_code.startswith(p)]
        prefixes = [max(p, job.place_code, key=len) for p in prefixes]
        return Context(prefixes=prefixes, tags=tags, today=today())

    def clean(self, row: Pending, context: Context) -> None:
        raw, errors, data = row.raw, row.errors, {}

        def take(key: str, result, *, required: bool = False, label=None):
            value, error = result
            if error:
                errors.append(f"{label}：{error}")
            elif value is None and required:
                errors.append(_("%(column)s: please fill in this column.") % {"column": label})
            return value

        data["name"] = take("name", cells.clean_text(raw.get("name")), required=True, label=NAME.label)
        number = take(
            "id_number",
            cells.clean_id_number(raw.get("id_number"), today=context.today),
            required=True,
            label=ID_NUMBER.label,
        )
        data["id_number"] = number
        row.key = number or ""
        if number and (raw.get("gender") is not None or raw.get("birth_date") is not None):
            errors.extend(cells.id_agreement_errors(number, gender=raw.get("gender"), birth_date=raw.get("birth_date")))
        for column in (GENDER, BIRTH_DATE):
            if column.key in raw:
                clean = cells.clean_gender if column is GENDER else cells.clean_date
                take(column.key, clean(raw.get(column.key)), label=column.label)
        if "phone" in raw:
            data["phone"] = take("phone", cells.clean_phone(raw.get("phone")), label=PHONE.label) or ""
        for column in (ESTATE, BUILDING, UNIT, ROOM):
            data[column.key] = take(
                column.key, cells.clean_code(raw.get(column.key)), required=True, label=column.label
            )
        for column in (RESIDENCY_COLUMN, RELATION_COLUMN, COLOUR_COLUMN):
            if column.key not in raw:
                continue
            value, ok = _choice(CHOICES[column.key], raw.get(column.key))
            if not ok:
                errors.append(
                    _("%(column)s: write one of %(values)s.")
                    % {"column": column.label, "values": "、".join(column.choices)}
                )
            data[column.key] = value
        if "tags" in raw:
            text, error = cells.clean_text(raw.get("tags"))
            slugs, unknown = set(), []
            for name in TAG_SEPARATORS.split(text or ""):
                if match_key(name):
                    slug = context.tags.get(match_key(name))
                    slugs.add(slug) if slug else unknown.append(name)
            if error or unknown:
                errors.append(
                    _("%(column)s: no special group is named %(names)s.")
                    % {"column": TAGS.label, "names": "、".join(unknown) or text}
                )
            data["tags"] = sorted(slugs)
        if "note" in raw:
            data["note"] = take("note", cells.clean_text(raw.get("note"), multiline=True), label=NOTE.label) or ""
        row.data = data

    # ------------------------------------------------------------------ resolve (a batch, a few queries)

    def _load_estates(self, names: set[str], context: Context) -> None:
        wanted = {name for name in names if match_key(name) not in context.estates}
        if not wanted:
            return
        for key in {match_key(name) for name in wanted}:
            context.estates[key] = []
        found = list(Estate.objects.filter(name__in=wanted).values_list("pk", "name"))
        for pk, name in found:
            context.estates.setdefault(match_key(name), []).append((pk, name))
        new_ids = [pk for pk, _name in found]
        for pk in new_ids:
            context.buildings[pk] = {}
        for pk, estate_id, number, code in Building.objects.filter(estate_id__in=new_ids).values_list(
            "pk", "estate_id", "number", "region_code"
        ):
            context.buildings[estate_id].setdefault(building_key(number), []).append((pk, number, code))
            context.units[pk] = {}
        from grids.models import Unit

        for pk, building_id, number in Unit.objects.filter(building__estate_id__in=new_ids).values_list(
            "pk", "building_id", "number"
        ):
            context.units[building_id][unit_key(number)] = (pk, number)

    def _place(self, row: Pending, context: Context) -> None:
        data = row.data
        estates = context.estates.get(match_key(data["estate"]), [])
        if not estates:
            row.errors.append(_("Estate: there is no estate named %(estate)s.") % {"estate": data["estate"]})
            return
        candidates = [
            building
            for estate_id, _name in estates
            for building in context.buildings[estate_id].get(building_key(data["building"]), [])
        ]
        exact = [b for b in candidates if match_key(b[1]) == match_key(data["building"])]
        candidates = exact or candidates
        if not candidates:
            row.errors.append(
                _("Building: estate %(estate)s has no building %(building)s; add it to the territory first.")
                % {"estate": data["estate"], "building": data["building"]}
            )
            return
        mine = [b for b in candidates if context.covers(b[2])]
        if not mine:
            row.errors.append(_("Not in your area: %(estate)s %(building)s.") % data)
            return
        if len(mine) > 1:
            row.errors.append(
                _("Estate: several estates are named %(estate)s; choose a narrower place for the import.") % data
            )
            return
        building_id, _number, code = mine[0]
        unit = context.units[building_id].get(unit_key(data["unit"]))
        unit_number = unit[1] if unit else (f"{data['unit']}单元" if data["unit"].isdigit() else data["unit"])
        data.update(building_id=building_id, unit_id=unit[0] if unit else None, unit=unit_number, region_code=code)

    def resolve(self, rows: list[Pending], context: Context) -> None:
        self._load_estates({row.data["estate"] for row in rows}, context)
        for row in rows:
            self._place(row, context)
        rows = [row for row in rows if not row.errors]
        unit_ids = {row.data["unit_id"] for row in rows if row.data["unit_id"]}
        households = {
            (unit_id, room_key(room)): pk
            for pk, unit_id, room in Household.objects.filter(unit_id__in=unit_ids).values_list("pk", "unit_id", "room")
        }
        for row in rows:
            data = row.data
            data["household_id"] = households.get((data["unit_id"], room_key(data["room"])))
        existing = {
            values["id_number"]: values
            for values in Resident.objects.filter(id_number__any=[row.key for row in rows]).values(
                "pk", "id_number", "household_id", "region_code", *WRITTEN
            )
        }
        tags = _tags_of([values["pk"] for values in existing.values()]) if existing else {}
        places = _places_of({values["household_id"] for values in existing.values()} - {None})
        for row in rows:
            self._compare(row, existing.get(row.key), tags, places, context)

    def _compare(self, row: Pending, current: dict | None, tags, places, context: Context) -> None:
        from ..models import RowStatus

        data = row.data
        data["place"] = f"{data['estate']} {data['building']} {data['unit']} {data['room']}"
        if current is None:
            for name, default in DEFAULTS.items():
                if data.get(name) is None:
                    data[name] = default
            row.status = RowStatus.NEW
            return
        if not context.covers(current["region_code"]):
            row.errors.append(_("Not in your area: this person lives elsewhere in the ledger."))
            return
        row.target_id = current["pk"]
        before = {}
        for name in WRITTEN:
            if name in data:
                if data[name] is None:
                    data[name] = current[name]
                elif data[name] != current[name]:
                    before[name] = current[name]
        if "tags" in data and data["tags"] != tags.get(current["pk"], []):
            before["tags"] = tags.get(current["pk"], [])
        if current["household_id"] is None or current["household_id"] != data["household_id"]:
            before["household_id"] = current["household_id"]
            before["place"] = places.get(current["household_id"], "")
        row.before = before or None
        row.status = RowStatus.CHANGED if before else RowStatus.UNCHANGED

    # ------------------------------------------------------------------ apply, undo

    # ------------------------------------------------------------------ preview

    def changes(self, data: dict, before: dict | None, *, user) -> list[Change]:
        labels = _labels(translation.get_language())
        shown = []
        names = VALUE_NAMES
        tag_names = dict(Tag.objects.values_list("slug", "name")) if "tags" in (before or data) else {}

        def text(name, value):
            if name == "phone":
                return mask_phone(value)
            if name in names:
                return names[name].get(value, value or "")
            if name == "tags":
                return "、".join(tag_names.get(slug, slug) for slug in value or [])
            return "" if value is None else str(value)

        if before is None:  # a new person
            return [
                Change(labels["id_number"], "", mask_id_number(data["id_number"])),
                Change(labels["address"], "", data["place"]),
            ]
        for name, old in before.items():
            if name == "household_id":
                continue
            if name == "place":
                shown.append(Change(labels["address"], old, data["place"]))
            else:
                shown.append(Change(labels.get(name, name), text(name, old), text(name, data.get(name))))
        return shown

    # ------------------------------------------------------------------ export (the template's columns)

    def export_queryset(self, user):
        return Resident.objects.visible_to(user).current().order_by("region_code", "pk")

    def export_rows(self, queryset, *, full: bool) -> Iterator[list]:
        """The rows in the template's columns, streamed; ``full``: ID numbers and phones unmasked (for
        importers with the right to see them, so that the file imports back unchanged)."""
        from .residents_apply import export_rows

        return export_rows(queryset, full=full)


# Stored value → the name the roster writes, per choice column.
VALUE_NAMES = {key: {v: k for k, v in reversed(mapping.items())} for key, mapping in CHOICES.items()}


@functools.lru_cache(maxsize=8)
def _labels(language: str | None) -> dict[str, str]:
    """The preview's field labels in one language (the same for every row of a page)."""
    labels = {c.key: str(c.label) for c in ResidentsKind.columns}
    labels["address"] = _("Address")
    return labels


def _tags_of(resident_ids: list[int]) -> dict[int, list[str]]:
    through = Resident.tags.through
    found: dict[int, list[str]] = {}
    for resident_id, slug in through.objects.filter(resident_id__in=resident_ids).values_list(
        "resident_id", "tag__slug"
    ):
        found.setdefault(resident_id, []).append(slug)
    return {pk: sorted(slugs) for pk, slugs in found.items()}


def _places_of(household_ids: set[int]) -> dict[int, str]:
    rows = Household.objects.filter(pk__in=household_ids).values_list(
        "pk", "unit__building__estate__name", "unit__building__number", "unit__number", "room"
    )
    return {pk: f"{estate} {building} {unit} {room}" for pk, estate, building, unit, room in rows}


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


register(ResidentsKind())
