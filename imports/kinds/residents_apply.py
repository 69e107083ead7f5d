"""Applying a checked resident roster, and undoing it: set-based, a batch of staged rows at a time.

Inside the caller's transaction. Before writing, each batch is compared with the ledger as it was
when the file was checked; a row changed since makes the whole import stale (``Stale``), so an
import never overwrites what someone else saved after the check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.bulk import insert_rows, update_rows
from grids.models import Household, PiiAccessLog, Residence, Resident, Tag, Unit
from grids.pii import mask_id_number, mask_phone
from grids.resources.roster import GENDER_NAMES

from ..models import ChangeAction, ImportChange, RowStatus
from ..pipeline.stale import Stale
from .residents import EXPORT_CHUNK, VALUE_NAMES, WRITTEN, room_key, today, unit_key
from .writing import CHANGE_FIELDS, conflict_message, staged_batches


def _tags(resident_ids) -> dict[int, list[str]]:
    from .residents import _tags_of

    return _tags_of(list(resident_ids))


def _expected(data: dict, before: dict | None) -> dict:
    """The values a changed row's person had when the file was checked."""
    expected = {name: data[name] for name in WRITTEN if name in data}
    expected["household_id"] = data["household_id"]
    if "tags" in data:
        expected["tags"] = data["tags"]
    expected.update({k: v for k, v in (before or {}).items() if k != "place"})
    return expected


def _check_fresh(chunk) -> dict[int, dict]:
    """The current values of the changed rows' people; raise Stale where anything moved since the check."""
    new_keys = [data["id_number"] for _n, data, target, _b in chunk if target is None]
    stale = []
    if new_keys:
        taken = set(Resident.objects.filter(id_number__any=new_keys).values_list("id_number", flat=True))
        stale += [n for n, data, target, _b in chunk if target is None and data["id_number"] in taken]
    targets = [target for _n, _d, target, _b in chunk if target is not None]
    current = {
        values["pk"]: values
        for values in Resident.objects.filter(pk__any=targets).values("pk", "household_id", "region_code", *WRITTEN)
    }
    tags = _tags(current) if targets else {}
    for number, data, target, before in chunk:
        if target is None:
            continue
        now = current.get(target)
        if now is None:
            stale.append(number)
            continue
        now = {**now, "tags": tags.get(target, [])}
        if any(now.get(name) != value for name, value in _expected(data, before).items()):
            stale.append(number)
    if stale:
        raise Stale(sorted(stale))
    return current


def _ensure_units(job, chunk, changes: list) -> None:
    wanted = {(data["building_id"], data["unit"]): (number, data) for number, data, *_r in chunk if not data["unit_id"]}
    if not wanted:
        return
    buildings = {building for building, _unit in wanted}
    found = {
        (building, unit_key(number)): pk
        for pk, building, number in Unit.objects.filter(building_id__in=buildings).values_list(
            "pk", "building_id", "number"
        )
    }
    missing = [(b, u, data) for (b, u), (_n, data) in wanted.items() if (b, unit_key(u)) not in found]
    insert_rows(Unit, ("building", "number", "region_code"), [(b, u, data["region_code"]) for b, u, data in missing])
    if missing:
        for pk, building, number in Unit.objects.filter(building_id__in={b for b, _u, _d in missing}).values_list(
            "pk", "building_id", "number"
        ):
            key = (building, unit_key(number))
            if key not in found:
                found[key] = pk
                if any(b == building and unit_key(u) == unit_key(number) for b, u, _d in missing):
                    first = wanted.get((building, number), (0, None))[0]
                    changes.append((job.pk, first, "unit", pk, ChangeAction.CREATED, None, {"number": number}))
    for _number, data, *_r in chunk:
        if not data["unit_id"]:
            data["unit_id"] = found[(data["building_id"], unit_key(data["unit"]))]


def _ensure_households(job, chunk, changes: list) -> None:
    wanted = {}
    for number, data, *_r in chunk:
        if not data.get("household_id"):
            wanted.setdefault((data["unit_id"], room_key(data["room"])), (number, data))
    if not wanted:
        return
    units = {unit for unit, _room in wanted}
    found = {
        (unit, room_key(room)): pk
        for pk, unit, room in Household.objects.filter(unit_id__in=units).values_list("pk", "unit_id", "room")
    }
    now = timezone.now()
    missing = [(key, number, data) for key, (number, data) in wanted.items() if key not in found]
    insert_rows(
        Household,
        ("unit", "room", "address", "region_code", "created_at"),
        [
            (data["unit_id"], data["room"], f"{data['estate']}{data['building']}{data['unit']}{data['room']}",
             data["region_code"], now)
            for _key, _number, data in missing
        ],
    )  # fmt: skip
    if missing:
        numbers = {key: number for key, number, _data in missing}
        for pk, unit, room in Household.objects.filter(unit_id__in={k[0] for k in numbers}).values_list(
            "pk", "unit_id", "room"
        ):
            key = (unit, room_key(room))
            if key in numbers and key not in found:
                found[key] = pk
                changes.append((job.pk, numbers[key], "household", pk, ChangeAction.CREATED, None, {"room": room}))
    for _number, data, *_r in chunk:
        if not data.get("household_id"):
            data["household_id"] = found[(data["unit_id"], room_key(data["room"]))]


def _resident_after(data: dict) -> dict:
    after = {name: data[name] for name in WRITTEN if name in data}
    after["household_id"] = data["household_id"]
    if "tags" in data:
        after["tags"] = data["tags"]
    return after


def apply_batch(job, chunk, tag_ids: dict[str, int]) -> int:
    """Write one batch of new and changed rows; returns how many."""
    current = _check_fresh(chunk)
    changes: list[tuple] = []
    _ensure_units(job, chunk, changes)
    _ensure_households(job, chunk, changes)
    now, day = timezone.now(), today()
    new = [(number, data) for number, data, target, _b in chunk if target is None]
    fields = ("household", "region_code", "name", "id_number", "gender", "birth_date", *WRITTEN[1:],
              "created_at", "updated_at")  # fmt: skip
    rows = []
    for _number, data in new:
        number = data["id_number"]  # checked already: its birth date and gender digits are sound
        gender = "M" if int(number[16]) % 2 else "F"
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        rows.append((data["household_id"], data["region_code"], data["name"], number, gender, birth,
                     *(data[name] for name in WRITTEN[1:]), now, now))  # fmt: skip
    insert_rows(Resident, fields, rows)
    ids = dict(Resident.objects.filter(id_number__any=[d["id_number"] for _n, d in new]).values_list("id_number", "pk"))
    moved_in = []  # (resident id, household id, region code, number)
    for number, data in new:
        pk = ids[data["id_number"]]
        changes.append((job.pk, number, "resident", pk, ChangeAction.CREATED, None, _resident_after(data)))
        moved_in.append((pk, data["household_id"], data["region_code"], number))
    changed = [(number, data, target, before) for number, data, target, before in chunk if target is not None]
    columns = [name for name in WRITTEN if any(name in data for _n, data, _t, _b in changed)]
    update_rows(
        Resident,
        [*columns, "household", "region_code", "updated_at"],
        [(t, *(d.get(name, current[t][name]) for name in columns), d["household_id"], d["region_code"], now)
         for _n, d, t, _b in changed],
    )  # fmt: skip
    moves = [(n, d, t) for n, d, t, _b in changed if current[t]["household_id"] != d["household_id"]]
    for number, data, target, before in changed:
        undo = {k: v for k, v in (before or {}).items() if k != "place"}
        if target in {t for _n, _d, t in moves}:
            undo["household_id"], undo["region_code"] = current[target]["household_id"], current[target]["region_code"]
        changes.append((job.pk, number, "resident", target, ChangeAction.CHANGED, undo, _resident_after(data)))
    _move(job, moves, day, changes)
    _set_tags(job, new, ids, changed, tag_ids)
    stays = [(pk, household, code, day, "", _("Imported")) for pk, household, code, _n in moved_in]
    insert_rows(Residence, ("resident", "household", "region_code", "moved_in", "moved_out", "reason"),
                [(pk, h, c, d, None, r) for pk, h, c, d, _x, r in stays])  # fmt: skip
    insert_rows(ImportChange, CHANGE_FIELDS, changes)
    return len(chunk)


def _move(job, moves, day, changes: list) -> None:
    if not moves:
        return
    targets = [t for _n, _d, t in moves]
    numbers = {t: n for n, _d, t in moves}
    open_stays = list(
        Residence.objects.filter(resident_id__in=targets, moved_out__isnull=True).values_list("pk", "resident_id")
    )
    Residence.objects.filter(pk__in=[pk for pk, _r in open_stays]).update(moved_out=day)
    for pk, resident in open_stays:
        changes.append((job.pk, numbers[resident], "residence", pk, ChangeAction.CHANGED, {"moved_out": None},
                        {"moved_out": day.isoformat()}))  # fmt: skip
    insert_rows(
        Residence,
        ("resident", "household", "region_code", "moved_in", "moved_out", "reason"),
        [(t, d["household_id"], d["region_code"], day, None, _("Moved (import)")) for _n, d, t in moves],
    )
    for pk, resident in Residence.objects.filter(resident_id__in=targets, moved_out__isnull=True).values_list(
        "pk", "resident_id"
    ):
        changes.append((job.pk, numbers[resident], "residence", pk, ChangeAction.CREATED, None, {}))


def _set_tags(job, new, ids, changed, tag_ids) -> None:
    through = Resident.tags.through
    retag = [(t, d["tags"]) for _n, d, t, b in changed if b and "tags" in b]
    if retag:
        through.objects.filter(resident_id__in=[t for t, _s in retag]).delete()
    pairs = [(ids[d["id_number"]], tag_ids[s]) for _n, d in new for s in d.get("tags", [])]
    pairs += [(t, tag_ids[s]) for t, slugs in retag for s in slugs]
    insert_rows(through, ("resident", "tag"), pairs)


def apply_residents(job, progress) -> int:
    tag_ids = dict(Tag.objects.values_list("slug", "pk"))
    written = 0
    for chunk in staged_batches(job, [RowStatus.NEW, RowStatus.CHANGED]):
        written += apply_batch(job, chunk, tag_ids)
        progress(written)
    return written


# ---------------------------------------------------------------------- undo


def undo_residents(job) -> list[str]:
    """Reverse an applied import, or return the messages naming the rows changed since (nothing is written)."""
    changes = list(
        ImportChange.objects.filter(job=job).values_list("number", "model", "object_id", "action", "before", "after")
    )
    people = [c for c in changes if c[1] == "resident"]
    ids = [c[2] for c in people]
    current = {
        values["pk"]: values for values in Resident.objects.filter(pk__in=ids).values("pk", "household_id", *WRITTEN)
    }
    tags = _tags(ids)
    revealed = set(PiiAccessLog.objects.filter(resident_id__in=ids).values_list("resident_id", flat=True))
    conflicts = []
    for number, _model, pk, action, _before, after in people:
        now = current.get(pk)
        moved = now is None or any(({**now, "tags": tags.get(pk, [])}).get(k) != v for k, v in after.items())
        if moved or (action == ChangeAction.CREATED and pk in revealed):
            conflicts.append(number)
    created_places = [(c[1], c[2], c[0]) for c in changes if c[1] in ("unit", "household") and c[3] == "created"]
    created_people = {c[2] for c in people if c[3] == ChangeAction.CREATED}
    households = [pk for model, pk, _n in created_places if model == "household"]
    others = Resident.objects.filter(household_id__in=households).exclude(pk__in=created_people)
    lived = Residence.objects.filter(household_id__in=households).exclude(resident_id__in=ids)
    busy = set(others.values_list("household_id", flat=True)) | set(lived.values_list("household_id", flat=True))
    conflicts += [n for model, pk, n in created_places if model == "household" and pk in busy]
    if conflicts:
        return conflict_message(conflicts)
    _restore(job, changes, current)
    return []


def _restore(job, changes, current) -> None:
    through = Resident.tags.through
    tag_ids = dict(Tag.objects.values_list("slug", "pk"))
    by = defaultdict(list)
    for change in changes:
        by[(change[1], change[3])].append(change)
    Residence.objects.filter(pk__in=[c[2] for c in by[("residence", "created")]]).delete()
    Residence.objects.filter(pk__in=[c[2] for c in by[("residence", "changed")]]).update(moved_out=None)
    changed = by[("resident", "changed")]
    retag = [(pk, before["tags"]) for _n, _m, pk, _a, before, _after in changed if "tags" in before]
    through.objects.filter(resident_id__in=[pk for pk, _s in retag]).delete()
    insert_rows(through, ("resident", "tag"), [(pk, tag_ids[s]) for pk, slugs in retag for s in slugs if s in tag_ids])
    now = timezone.now()
    # One UPDATE per set of fields restored (rows changed the same way share it).
    groups = defaultdict(list)
    for _n, _m, pk, _a, before, _after in changed:
        names = tuple(sorted(k for k in before if k != "tags"))
        groups[names].append((pk, *(before[k] for k in names), now))
    for names, rows in groups.items():
        fields = ["household" if k == "household_id" else k for k in names]
        update_rows(Resident, [*fields, "updated_at"], rows)
    created = [c[2] for c in by[("resident", "created")]]
    through.objects.filter(resident_id__in=created).delete()
    Residence.objects.filter(resident_id__in=created).delete()
    Resident.objects.filter(pk__in=created).delete()
    Household.objects.filter(pk__in=[c[2] for c in by[("household", "created")]]).delete()
    Unit.objects.filter(Q(pk__in=[c[2] for c in by[("unit", "created")]]), ~Q(households__isnull=False)).delete()


# ---------------------------------------------------------------------- export


def export_rows(queryset, *, full: bool) -> Iterator[list]:
    """The residents in the template's columns, from a server-side cursor, tags read per chunk."""
    from grids.resources.roster_export import _tag_names

    values = queryset.values_list(
        "pk", "name", "id_number", "gender", "birth_date", "phone", "household__unit__building__estate__name",
        "household__unit__building__number", "household__unit__number", "household__room", "residency_type",
        "relation", "ledger_colour", "note",
    ).iterator(chunk_size=EXPORT_CHUNK)  # fmt: skip
    names = VALUE_NAMES
    while chunk := list(islice(values, EXPORT_CHUNK)):
        tags = _tag_names([row[0] for row in chunk])
        for pk, name, number, gender, birth, phone, estate, building, unit, room, res, rel, col, note in chunk:
            yield [
                name,
                number if full else mask_id_number(number),
                GENDER_NAMES.get(gender, ""),
                birth.isoformat() if birth else "",
                phone if full else mask_phone(phone),
                estate, building, unit, room,
                names["residency_type"].get(res, res),
                names["relation"].get(rel, rel),
                names["ledger_colour"].get(col, col),
                tags.get(pk, ""),
                note,
            ]  # fmt: skip


apply, undo = apply_residents, undo_residents
