"""What a checked Party-member row does to the ledger: its verdict against the member as they are,
then applying it and undoing it, set-based, a batch of staged rows at a time.

Applying runs inside the caller's transaction. Before writing, each batch is compared with the
ledger as it was when the file was checked (the member's fields, the positions they held, the
holders of one-holder titles); anything changed since makes the whole import stale (``Stale``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _

from config.bulk import insert_rows, update_rows
from partyorg.models import MemberCategory, MemberStatus, PartyMember, Position, PositionTitle
from partyorg.services.org import SINGLE_HOLDER_TITLES

from ..models import ChangeAction, ImportChange, RowStatus
from ..pipeline.stale import Stale
from .base import Pending
from .partymembers import (
    DATES,
    PLACE_TITLES,
    POSITIONS,
    WORKPLACE,
    WRITTEN,
    Context,
    Org,
    held,
    stored,
    title_sort,
    today,
)
from .writing import CHANGE_FIELDS, conflict_message, staged_batches

MEMBER_FIELDS = {"org_id": "org"}  # WRITTEN names → model field names, where they differ


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _period(position: dict) -> str:
    if position["end_date"] is None:
        return _("since %(start)s") % {"start": position["start_date"]}
    return _("%(start)s to %(end)s") % {"start": position["start_date"], "end": position["end_date"]}


# ---------------------------------------------------------------------- the verdict (while checking)


def compare(row: Pending, org: Org, current: dict | None, held_now: list[dict], holders: dict, context) -> None:
    """Complete ``row.data`` from the member as they are, and set the row's status, target and ``before``."""
    data, before, day = row.data, {}, today()
    data["org_code"] = org.code
    if current is None:
        data["status"] = data.get("status") or MemberStatus.ACTIVE
        data["joined_org_on"] = data.get("joined_org_on") or day.isoformat()
        data.setdefault("joined_party_on", None)
        data.setdefault("phone", "")
        data.setdefault("workplace", "")
    else:
        row.target_id = current["pk"]
        transfer = current["org_id"] != org.pk
        if transfer and data.get("joined_org_on") in (None, current["joined_org_on"]):
            data["joined_org_on"] = day.isoformat()  # a transfer's date, unless the file gives another
        for name in WRITTEN:
            if data.get(name) is None and (name not in data or name in ("status", "joined_org_on")):
                data[name] = current[name]
            elif data[name] != current[name]:
                before[name] = current[name]
        if transfer:
            before["region_code"] = current["region_code"]
            if data["status"] != MemberStatus.ACTIVE:
                row.errors.append(_("Only an active member can be transferred."))
        else:
            data["region_code"] = current["region_code"]
    if data["category"] == MemberCategory.IN_SERVICE and not data["workplace"]:
        needed = _("An in-service member needs their workplace.")
        row.errors.append(f"{WORKPLACE.label}：{needed}")
    if not org.active and (current is None or before):
        row.errors.append(_("%(org)s has been dissolved.") % {"org": org.name})
    if current is None:
        ending = []
    elif current["status"] == MemberStatus.ACTIVE and data["status"] != MemberStatus.ACTIVE:
        ending = held_now  # leaving: every position ends
    elif current["org_id"] != org.pk:
        ending = [p for p in held_now if p["org_id"] == current["org_id"]]  # transferred: the old organisation's
    else:
        ending = []
    _plan_positions(row, org, current, held_now, ending, holders, context, day)
    if data["create"] or data["end"]:
        before["positions"] = title_sort(p["title"] for p in held_now)
    row.before = before or None
    row.status = RowStatus.NEW if current is None else RowStatus.CHANGED if before else RowStatus.UNCHANGED


def _plan_positions(row, org: Org, current, held_now, ending, holders, context: Context, day: dt.date) -> None:
    """Which positions end (as a transfer or a departure ends them) and which listed titles are created."""
    data = row.data
    end = []
    for position in ending:
        # Held through today; one that has not started yet is cut to its first day.
        last = day if position["start_date"] <= day else position["start_date"]
        if position["end_date"] is None or position["end_date"] > last:
            old = position["end_date"].isoformat() if position["end_date"] else None
            end.append([position["pk"], old, last.isoformat()])
    ended = {pk for pk, _old, _new in end}
    remaining = {p["title"] for p in held_now if p["pk"] not in ended}
    listed = data.get("positions")
    create = [title for title in listed or [] if title not in remaining]
    me = current["pk"] if current else None
    for title in create:
        label = PositionTitle(title).label
        if data["status"] != MemberStatus.ACTIVE:
            message = _("%(name)s is not an active member.") % {"name": data["name"]}
        elif title in PLACE_TITLES:
            message = _("%(title)s is assigned to a building or a unit on the Party pages.") % {"title": label}
        elif (other := holders.get((org.pk, title))) and other["member_id"] != me:
            message = _("%(org)s already has a %(title)s, %(name)s (%(period)s); end that position first.") % {
                "org": org.name, "title": label, "name": other["member__name"], "period": _period(other),
            }  # fmt: skip
        elif title in SINGLE_HOLDER_TITLES and context.claimed.get((org.pk, title), row.number) != row.number:
            message = _("Row %(row)s of the file also makes someone %(title)s of %(org)s.") % {
                "row": context.claimed[(org.pk, title)], "title": label, "org": org.name,
            }  # fmt: skip
        else:
            continue
        row.errors.append(f"{POSITIONS.label}：{message}")
    if not row.errors:
        for title in create:
            if title in SINGLE_HOLDER_TITLES:
                context.claimed[(org.pk, title)] = row.number
    data["positions"] = title_sort(remaining | set(create))
    data.update(create=create, end=end, held=sorted(p["pk"] for p in held_now))


# ---------------------------------------------------------------------- apply


def _held_now(member_ids, day: dt.date) -> dict[int, dict[int, str | None]]:
    found: dict[int, dict[int, str | None]] = defaultdict(dict)
    for pk, member, end in held(Position.objects.filter(member_id__any=member_ids), day).values_list(
        "pk", "member_id", "end_date"
    ):
        found[member][pk] = end.isoformat() if end else None
    return found


def _check_fresh(chunk, day: dt.date) -> dict[int, dict]:
    """The current values of the changed rows' members; raise Stale where anything moved since the check."""
    stale = []
    new = [(number, data) for number, data, target, _b in chunk if target is None]
    if new:
        taken = set(
            PartyMember.objects.filter(resident_id__any=[d["resident_id"] for _n, d in new]).values_list(
                "resident_id", flat=True
            )
        )
        stale += [number for number, data in new if data["resident_id"] in taken]
    targets = [target for _n, _d, target, _b in chunk if target is not None]
    current = {
        values["pk"]: stored(values)
        for values in PartyMember.objects.filter(pk__any=targets).values("pk", "region_code", *WRITTEN)
    }
    positions = _held_now(targets, day)
    wanted = {data["org_id"] for _n, data, _t, _b in chunk if set(data["create"]) & SINGLE_HOLDER_TITLES}
    holders = {}
    if wanted:
        single = held(Position.objects.filter(org_id__any=list(wanted), title__in=SINGLE_HOLDER_TITLES), day)
        holders = {(org, title): member for org, title, member in single.values_list("org_id", "title", "member_id")}
    for number, data, target, before in chunk:
        if any(holders.get((data["org_id"], title), target) != target for title in data["create"]):
            stale.append(number)
            continue
        if target is None:
            continue
        now, mine = current.get(target), positions.get(target, {})
        expected = {name: data[name] for name in WRITTEN} | {"region_code": data["region_code"]}
        expected |= {k: v for k, v in (before or {}).items() if k != "positions"}
        if (
            now is None
            or any(now[name] != value for name, value in expected.items())
            or sorted(mine) != data["held"]
            or any(mine.get(pk) != old for pk, old, _new in data["end"])
        ):
            stale.append(number)
    if stale:
        raise Stale(sorted(stale))
    return current


def _after(data: dict) -> dict:
    return {name: data[name] for name in (*WRITTEN, "region_code")}


def apply_batch(job, chunk, day: dt.date) -> int:
    """Write one batch of new and changed rows; returns how many."""
    _check_fresh(chunk, day)
    changes: list[tuple] = []
    new = [(number, data) for number, data, target, _b in chunk if target is None]
    fields = ("org", "region_code", "resident", "name", "phone", "category", "joined_party_on", "joined_org_on",
              "status", "workplace")  # fmt: skip
    insert_rows(
        PartyMember,
        fields,
        [(d["org_id"], d["region_code"], d["resident_id"], d["name"], d["phone"], d["category"],
          _day(d["joined_party_on"]), _day(d["joined_org_on"]), d["status"], d["workplace"]) for _n, d in new],
    )  # fmt: skip
    ids = dict(
        PartyMember.objects.filter(resident_id__any=[d["resident_id"] for _n, d in new]).values_list(
            "resident_id", "pk"
        )
    )
    members = {}  # file row → member id
    for number, data in new:
        members[number] = ids[data["resident_id"]]
        changes.append((job.pk, number, "party_member", members[number], ChangeAction.CREATED, None, _after(data)))
    changed = [(n, d, t, b) for n, d, t, b in chunk if t is not None]
    members.update((n, t) for n, _d, t, _b in changed)
    rewritten = [(n, d, t, b) for n, d, t, b in changed if set(b or ()) - {"positions"}]
    names = [*WRITTEN, "region_code"]
    update_rows(
        PartyMember,
        [MEMBER_FIELDS.get(name, name) for name in names],
        [(t, *(_day(d[name]) if name in DATES else d[name] for name in names)) for _n, d, t, _b in rewritten],
    )
    for number, data, target, before in rewritten:
        undo = {k: v for k, v in before.items() if k != "positions"}
        changes.append((job.pk, number, "party_member", target, ChangeAction.CHANGED, undo, _after(data)))
    ends = [(n, pk, old, new) for n, d, _t, _b in changed for pk, old, new in d["end"]]
    update_rows(Position, ["end_date"], [(pk, _day(new)) for _n, pk, _old, new in ends])
    for number, pk, old, new in ends:
        changes.append((job.pk, number, "position", pk, ChangeAction.CHANGED, {"end_date": old}, {"end_date": new}))
    created = {(members[n], title): n for n, d, _t, _b in chunk for title in d["create"]}
    orgs = {members[n]: (d["org_id"], d["org_code"]) for n, d, _t, _b in chunk}
    insert_rows(
        Position,
        ("member", "org", "region_code", "title", "building", "unit", "start_date", "end_date"),
        [(member, *orgs[member], title, None, None, day, None) for member, title in created],
    )
    if created:
        for pk, member, title in Position.objects.filter(
            member_id__any=list({member for member, _t in created}), start_date=day, end_date__isnull=True
        ).values_list("pk", "member_id", "title"):
            if (member, title) in created:
                after = {"title": title, "end_date": None}
                changes.append((job.pk, created[(member, title)], "position", pk, ChangeAction.CREATED, None, after))
    insert_rows(ImportChange, CHANGE_FIELDS, changes)
    return len(chunk)


def apply_party_members(job, progress) -> int:
    written, day = 0, today()
    for chunk in staged_batches(job, [RowStatus.NEW, RowStatus.CHANGED]):
        written += apply_batch(job, chunk, day)
        progress(written)
    return written


# ---------------------------------------------------------------------- undo


def _referenced(created: dict[int, int], ours: set[int]) -> list[int]:
    """File rows of created members that other records now point at (positions the import made aside)."""
    rows = []
    for relation in PartyMember._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.many_to_many:
            continue
        linked = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": list(created)})
        if relation.related_model is Position:
            linked = linked.exclude(pk__in=ours)
        rows += [created[pk] for pk in linked.values_list(relation.field.attname, flat=True)]
    return rows


def undo_party_members(job) -> list[str]:
    """Reverse an applied import, or return the messages naming the rows changed since (nothing is written)."""
    changes = list(
        ImportChange.objects.filter(job=job).values_list("number", "model", "object_id", "action", "before", "after")
    )
    members = [c for c in changes if c[1] == "party_member"]
    positions = [c for c in changes if c[1] == "position"]
    now = {
        values["pk"]: stored(values)
        for values in PartyMember.objects.filter(pk__any=[c[2] for c in members]).values("pk", "region_code", *WRITTEN)
    }
    ends = dict(Position.objects.filter(pk__any=[c[2] for c in positions]).values_list("pk", "end_date"))
    conflicts = [
        number
        for number, _m, pk, _a, _b, after in members
        if pk not in now or any(now[pk].get(k) != v for k, v in after.items())
    ]
    conflicts += [
        number
        for number, _m, pk, _a, _b, after in positions
        if pk not in ends or (ends[pk].isoformat() if ends[pk] else None) != after["end_date"]
    ]
    created = {pk: number for number, _m, pk, action, _b, _a in members if action == ChangeAction.CREATED}
    ours = {pk for _n, _m, pk, action, _b, _a in positions if action == ChangeAction.CREATED}
    if created:
        conflicts += _referenced(created, ours)
    if conflicts:
        return conflict_message(conflicts)
    Position.objects.filter(pk__any=list(ours)).delete()
    update_rows(
        Position,
        ["end_date"],
        [
            (pk, _day(before["end_date"]))
            for _n, _m, pk, action, before, _a in positions
            if action == ChangeAction.CHANGED
        ],
    )
    groups = defaultdict(list)  # one UPDATE per set of fields restored
    for _n, _m, pk, action, before, _a in members:
        if action == ChangeAction.CHANGED:
            names = tuple(sorted(before))
            groups[names].append((pk, *(_day(before[k]) if k in DATES else before[k] for k in names)))
    for names, rows in groups.items():
        update_rows(PartyMember, [MEMBER_FIELDS.get(k, k) for k in names], rows)
    PartyMember.objects.filter(pk__any=list(created)).delete()
    return []


apply, undo = apply_party_members, undo_party_members
