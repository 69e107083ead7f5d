"""The buildings roster's reads and writes of the ledger: the places a checked batch names; applying
the checked rows and undoing them, set-based, a batch at a time; the preview and the export.

The staged rows are read once, a batch at a time, into one entry per building (a building's rows
may lie in different batches): then estates, buildings and units are written a batch of buildings
or units at a time. Everything is first compared with the ledger as it was at check time; anything
changed since makes the import stale (``Stale``) and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from config.bulk import insert_rows, update_rows
from grids.models import Building, Estate, Unit
from grids.resources.roster import building_key, match_key, unit_key

from ..models import ChangeAction, ImportChange
from ..pipeline.stale import Stale
from .base import Change
from .buildings import ATTRIBUTES, EXPORT_CHUNK, decimal_text, load_regions
from .writing import BATCH, CHANGE_FIELDS, conflict_message, staged_batches


def _decimal(text):
    return None if text is None else Decimal(text)


def _attributes(values: dict) -> dict:
    """A building's changeable fields as the staged rows hold them (positions as six-decimal text)."""
    return {
        "floors": values["floors"],
        "latitude": decimal_text(values["latitude"]),
        "longitude": decimal_text(values["longitude"]),
    }


@dataclass
class Group:
    """One building named by the file: its first row, what the rows want of it, and its id once known."""

    number: int
    data: dict
    rows: int = 0
    values: dict = field(default_factory=dict)  # new building: its fields; existing: the changed ones
    before: dict = field(default_factory=dict)  # existing: the changed fields' values at check time
    pk: int | None = None

    @property
    def estate_key(self) -> tuple[str, str]:
        return self.data["region_code"][:12], match_key(self.data["estate"])  # the grid's community


def _read(job) -> tuple[dict[str, Group], list[tuple[str, str, int]], int]:
    groups: dict[str, Group] = {}
    units = []  # (building key, unit number, row)
    count = 0
    for chunk in staged_batches(job):
        for number, data, _target, before in chunk:
            group = groups.get(data["bkey"])
            if group is None:
                group = groups[data["bkey"]] = Group(number=number, data=data, pk=data["building_id"])
            group.rows += 1
            if group.pk is None:
                for name in ATTRIBUTES:
                    if data[name] is not None:
                        group.values.setdefault(name, data[name])
            for name, old in (before or {}).items():
                group.before[name], group.values[name] = old, data[name]
            if data["unit"] and data["unit_id"] is None:
                units.append((data["bkey"], data["unit"], number))
        count += len(chunk)
    return groups, units, count


def load_places(rows, context) -> None:
    """The regions, estates, buildings and units a batch of rows names, into the context (once each)."""
    load_regions({r.data["region_code"] for r in rows} | {r.data["community"] for r in rows}, context)
    names = {row.data["estate"] for row in rows if match_key(row.data["estate"]) not in context.estates}
    if not names:
        return
    context.estates.update({match_key(name): [] for name in names})
    found = list(Estate.objects.filter(name__in=names).values_list("pk", "name", "region_code"))
    for pk, name, code in found:
        context.estates.setdefault(match_key(name), []).append((pk, name, code))
        context.buildings[pk] = {}
    ids = [pk for pk, _name, _code in found]
    for values in Building.objects.filter(estate_id__in=ids).values_list(
        "pk", "estate_id", "number", "region_code", "floors", "latitude", "longitude"
    ):
        pk, estate_id, number, code, floors, latitude, longitude = values
        building = (pk, number, code, floors, decimal_text(latitude), decimal_text(longitude))
        context.buildings[estate_id].setdefault(building_key(number), []).append(building)
        context.units[pk] = {}
    for pk, building_id, number in Unit.objects.filter(building__estate_id__in=ids).values_list(
        "pk", "building_id", "number"
    ):
        context.units[building_id][unit_key(number)] = (pk, number)


def _check_places(groups: list[Group], created_estates: dict) -> None:
    """Raise Stale when an estate or building to create now exists, or a building to change has changed."""
    stale = []
    new_estates = [g for g in groups if g.data["estate_id"] is None and g.estate_key not in created_estates]
    if new_estates:
        found = Estate.objects.filter(name__in={g.data["estate"] for g in new_estates}).values_list(
            "name", "region_code"
        )
        taken = {(code[:12], match_key(name)) for name, code in found}
        stale += [g.number for g in new_estates if g.estate_key in taken]
    new = [g for g in groups if g.pk is None and g.data["estate_id"] is not None]
    taken = {
        (estate_id, building_key(number))
        for estate_id, number in Building.objects.filter(estate_id__in={g.data["estate_id"] for g in new}).values_list(
            "estate_id", "number"
        )
    }
    stale += [g.number for g in new if (g.data["estate_id"], building_key(g.data["building"])) in taken]
    existing = [g for g in groups if g.pk is not None]
    current = {
        values["pk"]: values
        for values in Building.objects.filter(pk__any=[g.pk for g in existing]).values("pk", "region_code", *ATTRIBUTES)
    }
    for group in existing:
        now = current.get(group.pk)
        expected = {name: group.data[name] for name in ATTRIBUTES} | group.before
        if now is None or now["region_code"] != group.data["region_code"] or _attributes(now) != expected:
            stale.append(group.number)
    if stale:
        raise Stale(sorted(stale))


def _create_estates(job, groups: list[Group], created: dict, changes: list) -> None:
    wanted = {}
    for group in groups:
        if group.data["estate_id"] is None and group.estate_key not in created:
            wanted.setdefault(group.estate_key, group)
    kind = Estate._meta.get_field("kind").get_default()
    insert_rows(
        Estate,
        ("name", "kind", "region", "region_code", "address"),
        [(g.data["estate"], kind, g.data["community_id"], g.data["community"], "") for g in wanted.values()],
    )
    if not wanted:
        return
    found = Estate.objects.filter(
        name__in={g.data["estate"] for g in wanted.values()}, region_code__in={key[0] for key in wanted}
    ).values_list("pk", "name", "region_code")
    for pk, name, code in found:
        group = wanted.get((code, match_key(name)))
        if group is not None and (code, match_key(name)) not in created:
            created[(code, match_key(name))] = pk
            after = {"name": name, "region_code": code}
            changes.append((job.pk, group.number, "estate", pk, ChangeAction.CREATED, None, after))


def _write_places(job, groups: list[Group], created_estates: dict, changes: list) -> None:
    _check_places(groups, created_estates)
    _create_estates(job, groups, created_estates, changes)
    new = [g for g in groups if g.pk is None]
    for group in new:
        group.data["estate_id"] = group.data["estate_id"] or created_estates[group.estate_key]
    insert_rows(
        Building,
        ("estate", "number", "region", "region_code", *ATTRIBUTES),
        [
            (g.data["estate_id"], g.data["building"], g.data["region_id"], g.data["region_code"],
             g.values.get("floors"), _decimal(g.values.get("latitude")), _decimal(g.values.get("longitude")))
            for g in new
        ],
    )  # fmt: skip
    wanted = {(g.data["estate_id"], g.data["building"]): g for g in new}
    for pk, estate_id, number in Building.objects.filter(estate_id__in={key[0] for key in wanted}).values_list(
        "pk", "estate_id", "number"
    ):
        group = wanted.get((estate_id, number))
        if group is not None:
            group.pk = pk
            after = {"number": number, **{name: group.values.get(name) for name in ATTRIBUTES}}
            changes.append((job.pk, group.number, "building", pk, ChangeAction.CREATED, None, after))
    changed = [g for g in groups if g.before and g.data["building_id"] is not None]
    rows = []
    for group in changed:
        values = {name: group.data[name] for name in ATTRIBUTES} | group.before | group.values
        rows.append((group.pk, values["floors"], _decimal(values["latitude"]), _decimal(values["longitude"])))
        changes.append((job.pk, group.number, "building", group.pk, ChangeAction.CHANGED, group.before, values))
    update_rows(Building, ATTRIBUTES, rows)


def _write_units(job, units: list[tuple[str, str, int]], groups: dict[str, Group], changes: list) -> None:
    wanted = {(groups[bkey].pk, unit_key(number)): (groups[bkey], number, row) for bkey, number, row in units}
    buildings = {key[0] for key in wanted}
    existing = Unit.objects.filter(building_id__in=buildings).values_list("building_id", "number")
    stale = [wanted[key][2] for key in ((b, unit_key(n)) for b, n in existing) if key in wanted]
    if stale:
        raise Stale(sorted(stale))
    insert_rows(
        Unit,
        ("building", "number", "region_code"),
        [(group.pk, number, group.data["region_code"]) for group, number, _row in wanted.values()],
    )
    for pk, building_id, number in Unit.objects.filter(building_id__in=buildings).values_list(
        "pk", "building_id", "number"
    ):
        found = wanted.get((building_id, unit_key(number)))
        if found is not None:
            changes.append((job.pk, found[2], "unit", pk, ChangeAction.CREATED, None, {"number": number}))


def apply_buildings(job, progress) -> int:
    groups, units, count = _read(job)
    if not count:
        return 0
    created_estates: dict[tuple[str, str], int] = {}
    share = count // 2 if units else count  # of the progress shown: buildings, then units
    done = 0
    items = list(groups.values())
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        changes: list[tuple] = []
        _write_places(job, batch, created_estates, changes)
        insert_rows(ImportChange, CHANGE_FIELDS, changes)
        done += sum(group.rows for group in batch)
        progress(done * share // count)
    for start in range(0, len(units), BATCH):
        batch = units[start : start + BATCH]
        changes = []
        _write_units(job, batch, groups, changes)
        insert_rows(ImportChange, CHANGE_FIELDS, changes)
        progress(share + (start + len(batch)) * (count - share) // len(units))
    return count


# ---------------------------------------------------------------------- undo


def referring(model, ids: dict[int, int], ignore: dict | None = None) -> set[int]:
    """The rows (numbers) whose object, created by the import, something in the ledger now refers to;
    ``ignore``: the objects of other models the import created itself (model → ids)."""
    found = set()
    for relation in model._meta.related_objects:
        name = relation.field.name
        queryset = relation.related_model._base_manager.filter(**{f"{name}__in": list(ids)})
        if ignore and relation.related_model in ignore:
            queryset = queryset.exclude(pk__in=ignore[relation.related_model])
        found.update(queryset.values_list(name, flat=True))
    return {ids[pk] for pk in found if pk in ids}


def undo_buildings(job) -> list[str]:
    """Reverse an applied import, or return the message naming the rows changed since (nothing is written)."""
    changes = list(
        ImportChange.objects.filter(job=job).values_list("number", "model", "object_id", "action", "before", "after")
    )
    created: dict[str, dict[int, int]] = defaultdict(dict)
    changed = []
    for number, model, pk, action, before, after in changes:
        if action == ChangeAction.CREATED:
            created[model][pk] = number
        else:
            changed.append((number, pk, before, after))
    ids = [pk for _n, pk, _b, _a in changed] + list(created["building"])
    current = {
        values["pk"]: {"number": values["number"], **_attributes(values)}
        for values in Building.objects.filter(pk__in=ids).values("pk", "number", *ATTRIBUTES)
    }
    conflicts = [n for n, pk, _b, after in changed if pk not in current or _differs(current[pk], after)]
    afters = {(model, pk): after for _n, model, pk, _a, _b, after in changes}
    conflicts += [
        n for pk, n in created["building"].items() if pk in current and _differs(current[pk], afters["building", pk])
    ]
    conflicts += referring(Unit, created["unit"])
    conflicts += referring(Building, created["building"], {Unit: list(created["unit"])})
    conflicts += referring(Estate, created["estate"], {Building: list(created["building"])})
    if conflicts:
        return conflict_message(conflicts)
    groups = defaultdict(list)
    for _n, pk, before, _after in changed:
        names = tuple(sorted(before))
        groups[names].append((pk, *(_decimal(before[k]) if k != "floors" else before[k] for k in names)))
    for names, rows in groups.items():
        update_rows(Building, names, rows)
    Unit.objects.filter(pk__in=list(created["unit"])).delete()
    Building.objects.filter(pk__in=list(created["building"])).delete()
    Estate.objects.filter(pk__in=list(created["estate"])).delete()
    return []


def _differs(now: dict, after: dict) -> bool:
    return any(now.get(name) != value for name, value in after.items())


# ---------------------------------------------------------------------- preview, export


def preview(labels: dict[str, str], data: dict, before: dict | None) -> list[Change]:
    def text(value) -> str:
        return "" if value is None else str(value)

    shown = []
    if before is None:  # a new building or unit
        if data.get("estate_id") is None:
            shown.append(Change(labels["estate"], "", data["estate"]))
        if data.get("building_id") is None:
            shown.append(Change(labels["building"], "", data["building"]))
            shown.append(Change(labels["grid"], "", data["region_code"]))
            shown += [Change(labels[name], "", text(data[name])) for name in ATTRIBUTES if data[name] is not None]
        if data.get("unit"):
            shown.append(Change(labels["unit"], "", f"{data['building']} {data['unit']}"))
        before = data.get("building_before") or {}
    shown += [Change(labels[name], text(old), text(data.get(name))) for name, old in before.items()]
    return shown


def export_rows(queryset) -> Iterator[list]:
    values = queryset.values_list(
        "pk", "estate__name", "estate__region_code", "number", "region_code", "floors", "latitude", "longitude"
    ).iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(values, EXPORT_CHUNK)):
        units: dict[int, list[str]] = {}
        for building_id, number in Unit.objects.filter(building_id__in=[row[0] for row in chunk]).values_list(
            "building_id", "number"
        ):
            units.setdefault(building_id, []).append(number)
        for pk, estate, estate_code, number, code, floors, latitude, longitude in chunk:
            for unit in sorted(units.get(pk, [""]), key=lambda n: (len(unit_key(n)), unit_key(n))):
                yield [
                    estate, estate_code[:12], number, unit, code, "" if floors is None else floors,
                    decimal_text(latitude) or "", decimal_text(longitude) or "",
                ]  # fmt: skip


apply, undo = apply_buildings, undo_buildings
