"""Writes to the organisation tree: organisations, members, positions (stewards included), cross-appointments.

Every function checks that the actor may edit Party records at the place concerned, validates the
rules of the tree (a child's place lies inside its parent's, each kind sits at its level) and
sets every denormalised region_code from the row's place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Building, Region, RegionLevel, Resident, Unit
from grids.validators import validate_phone

from ..models import (
    CrossAppointment,
    MemberCategory,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrg,
    Position,
    PositionTitle,
    scoping,
)

GRID_LEVELS = frozenset({RegionLevel.GRID, RegionLevel.MICROGRID})
# The levels each kind of organisation may stand for or be attached to.
KIND_LEVELS: dict[str, frozenset[str]] = {
    OrgKind.WORKING_COMMITTEE: frozenset({RegionLevel.STREET}),
    OrgKind.COMMITTEE: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.GENERAL_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    # A grid branch, or a 小区党支部 of the community.
    OrgKind.BRANCH: frozenset({RegionLevel.COMMUNITY, *GRID_LEVELS}),
    OrgKind.GROUP: GRID_LEVELS,
    # 联合党委 of a community, or a street's 大工委.
    OrgKind.JOINT_COMMITTEE: frozenset({RegionLevel.COMMUNITY, RegionLevel.STREET}),
    OrgKind.PROPERTY_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.OWNERS_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.ASSOCIATION_BRANCH: frozenset({RegionLevel.COMMUNITY}),
    OrgKind.NEW_EMPLOYMENT_BRANCH: frozenset({RegionLevel.COMMUNITY}),
}
# Titles with one holder at a time in an organisation; the leader whose absence is a vacancy.
SINGLE_HOLDER_TITLES = frozenset({PositionTitle.SECRETARY, PositionTitle.GROUP_LEADER, PositionTitle.GRID_HEAD})
ORG_FIELDS = frozenset({"name", "kind", "region", "parent", "buildings", "founded_on", "sort_order"})
MEMBER_FIELDS = frozenset({"name", "category", "resident", "phone", "joined_party_on", "joined_org_on", "workplace"})


def leader_title(kind: str) -> str:
    """The position whose holder leads an organisation of this kind: 组长 of a group, else 书记."""
    return PositionTitle.GROUP_LEADER if kind == OrgKind.GROUP else PositionTitle.SECRETARY


def require_party_edit(actor, code: str) -> None:
    scoping.require_party_edit(actor, code, _("Your role may not edit Party organisations here."))


def _today() -> dt.date:
    return timezone.localdate()


def _is_active_org(org: PartyOrg, on: dt.date | None = None) -> bool:
    return org.dissolved_on is None or org.dissolved_on > (on or _today())


# ---------------------------------------------------------------- organisations


def _level_errors(*, kind: str, region: Region, buildings: list[Building]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    allowed = KIND_LEVELS.get(kind)
    if allowed is None:
        return {"kind": [_("Unknown kind of organisation.")]}
    if region.level not in allowed:
        levels = "、".join(str(RegionLevel(level).label) for level in RegionLevel.values if level in allowed)
        errors["region"] = [
            _("A %(kind)s stands for a place of level %(levels)s; %(region)s is a %(level)s.")
            % {
                "kind": OrgKind(kind).label,
                "levels": levels,
                "region": region.name,
                "level": region.get_level_display(),
            }
        ]
    if kind == OrgKind.GROUP:
        if not buildings:
            errors.setdefault("buildings", []).append(_("A Party group is formed in at least one building."))
        outside = [str(b) for b in buildings if not b.region_code.startswith(region.code)]
        if outside:
            errors.setdefault("buildings", []).append(
                _("These buildings lie outside %(region)s: %(buildings)s.")
                % {"region": region.name, "buildings": "、".join(outside)}
            )
    elif buildings:
        errors.setdefault("buildings", []).append(_("Only a Party group is linked to buildings."))
    return errors


def _parent_errors(*, org: PartyOrg | None, parent: PartyOrg | None, region: Region) -> dict[str, list[str]]:
    if parent is None:
        return {}
    errors: list[str] = []
    if not region.code.startswith(parent.region_code):
        errors.append(
            _("%(region)s does not lie inside %(parent_region)s, the place of %(parent)s.")
            % {"region": region.name, "parent_region": parent.region.name, "parent": parent.name}
        )
    if parent.kind == OrgKind.GROUP:
        errors.append(_("A Party group has no organisations under it; assign positions to its members instead."))
    if not _is_active_org(parent):
        errors.append(_("%(parent)s has been dissolved.") % {"parent": parent.name})
    if org is not None and org.pk is not None:
        # Walk up from the new parent: meeting the organisation itself would close a cycle.
        seen: set[int] = set()
        node: PartyOrg | None = parent
        while node is not None and node.pk not in seen:
            if node.pk == org.pk:
                errors.append(_("An organisation cannot be placed under itself or one of its own sub-organisations."))
                break
            seen.add(node.pk)
            node = node.parent
    return {"parent": errors} if errors else {}


def _check_org(*, org: PartyOrg, buildings: list[Building]) -> None:
    region = org.region
    errors = _level_errors(kind=org.kind, region=region, buildings=buildings)
    for field, messages in _parent_errors(org=org, parent=org.parent, region=region).items():
        errors.setdefault(field, []).extend(messages)
    siblings = PartyOrg.objects.filter(parent=org.parent, name=org.name).exclude(pk=org.pk)
    if org.parent is None:
        siblings = siblings.filter(region=region)
    if siblings.exists():
        errors.setdefault("name", []).append(_("Another organisation here already has this name."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def org_create(
    *,
    actor,
    name: str,
    kind: str,
    region: Region,
    parent: PartyOrg | None = None,
    buildings: Iterable[Building] = (),
    founded_on: dt.date | None = None,
    sort_order: int = 0,
) -> PartyOrg:
    """Found an organisation at a place, under its parent (none for the top of a chain)."""
    require_party_edit(actor, region.code)
    buildings = list(buildings)
    org = PartyOrg(
        name=(name or "").strip(),
        kind=kind,
        region=region,
        region_code=region.code,
        parent=parent,
        founded_on=founded_on,
        sort_order=sort_order,
    )
    _check_org(org=org, buildings=buildings)
    org.full_clean()
    org.save()
    if buildings:
        org.buildings.set(buildings)
    return org


@transaction.atomic
def org_update(*, actor, org: PartyOrg, **changes) -> PartyOrg:
    """Change an organisation's name, kind, place, parent, buildings, founding date or order."""
    unknown = set(changes) - ORG_FIELDS
    if unknown:
        raise TypeError(f"org_update() got unexpected fields: {', '.join(sorted(unknown))}")
    org = PartyOrg.objects.select_for_update(of=("self",)).select_related("region", "parent").get(pk=org.pk)
    require_party_edit(actor, org.region_code)
    buildings = list(changes.pop("buildings")) if "buildings" in changes else list(org.buildings.all())
    for field, value in changes.items():
        setattr(org, field, value.strip() if field == "name" else value)
    require_party_edit(actor, org.region.code)
    org.region_code = org.region.code
    _check_org(org=org, buildings=buildings)
    # Children must still lie inside the (possibly moved) place.
    stray = [c.name for c in org.children.all() if not c.region_code.startswith(org.region_code)]
    if stray:
        raise ValidationError(
            {
                "region": _("These sub-organisations would lie outside the new place: %(names)s.")
                % {"names": "、".join(stray)}
            }
        )
    org.full_clean()
    org.save()
    org.buildings.set(buildings)
    # Members and positions without a deeper place of their own follow the organisation.
    PartyMember.objects.filter(org=org).update(region_code=org.region_code)
    Position.objects.filter(org=org, unit__isnull=True, building__isnull=True).update(region_code=org.region_code)
    CrossAppointment.objects.filter(community_org=org).update(region_code=org.region_code)
    return org


@transaction.atomic
def org_dissolve(*, actor, org: PartyOrg, on: dt.date | None = None) -> PartyOrg:
    """Record that an organisation was dissolved; its sub-organisations and members must have left first."""
    org = PartyOrg.objects.select_for_update().get(pk=org.pk)
    require_party_edit(actor, org.region_code)
    on = on or _today()
    errors: list[str] = []
    if org.dissolved_on is not None:
        errors.append(_("This organisation was already dissolved on %(date)s.") % {"date": org.dissolved_on})
    if org.founded_on and on < org.founded_on:
        errors.append(_("An organisation cannot be dissolved before it was founded."))
    if org.children.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on)).exists():
        errors.append(_("Dissolve or move its sub-organisations first."))
    if org.members.filter(status=MemberStatus.ACTIVE).exists():
        errors.append(_("Transfer its active members first."))
    if errors:
        raise ValidationError({"dissolved_on": errors})
    org.dissolved_on = on
    org.full_clean()
    org.save(update_fields=["dissolved_on"])
    Position.objects.filter(org=org).current(on).update(end_date=on)
    return org


# ---------------------------------------------------------------- members


def _check_member(*, actor, member: PartyMember) -> None:
    errors: dict[str, list[str]] = {}
    org = member.org
    if not _is_active_org(org):
        errors.setdefault("org", []).append(_("%(org)s has been dissolved.") % {"org": org.name})
    resident = member.resident
    if resident is not None:
        if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
            errors.setdefault("resident", []).append(_("Choose a resident from the ledger of your place."))
        elif not resident.region_code.startswith(org.region_code):
            errors.setdefault("resident", []).append(
                _("%(name)s does not live in the place of %(org)s.") % {"name": resident.name, "org": org.name}
            )
        elif PartyMember.objects.filter(org=org, resident=resident).exclude(pk=member.pk).exists():
            errors.setdefault("resident", []).append(
                _("%(name)s is already a member of %(org)s.") % {"name": resident.name, "org": org.name}
            )
        member.name = resident.name
    if not member.name:
        errors.setdefault("name", []).append(_("Enter the member's name or choose a resident."))
    if member.category == MemberCategory.IN_SERVICE and not member.workplace:
        errors.setdefault("workplace", []).append(_("An in-service member needs their workplace."))
    if member.phone:
        try:
            validate_phone(member.phone)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    if member.joined_party_on and member.joined_party_on > _today():
        errors.setdefault("joined_party_on", []).append(_("This date lies in the future."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_add(
    *,
    actor,
    org: PartyOrg,
    name: str = "",
    category: str,
    resident: Resident | None = None,
    phone: str = "",
    joined_party_on: dt.date | None = None,
    joined_org_on: dt.date | None = None,
    workplace: str = "",
) -> PartyMember:
    """Add a member to an organisation, linked to the resident ledger where they live in its place."""
    require_party_edit(actor, org.region_code)
    member = PartyMember(
        org=org,
        region_code=org.region_code,
        resident=resident,
        name=(name or "").strip(),
        phone=(phone or "").strip(),
        category=category,
        joined_party_on=joined_party_on,
        joined_org_on=joined_org_on or _today(),
        workplace=(workplace or "").strip(),
    )
    _check_member(actor=actor, member=member)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_update(*, actor, member: PartyMember, **changes) -> PartyMember:
    """Change a member's details (not their organisation: that is a transfer)."""
    unknown = set(changes) - MEMBER_FIELDS
    if unknown:
        raise TypeError(f"member_update() got unexpected fields: {', '.join(sorted(unknown))}")
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    require_party_edit(actor, member.region_code)
    for field, value in changes.items():
        setattr(member, field, value.strip() if isinstance(value, str) else value)
    _check_member(actor=actor, member=member)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_transfer(*, actor, member: PartyMember, to_org: PartyOrg, on: dt.date | None = None) -> PartyMember:
    """Move a member to another organisation; positions held in the old one end that day."""
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    require_party_edit(actor, member.region_code)
    require_party_edit(actor, to_org.region_code)
    on = on or _today()
    if to_org.pk == member.org_id:
        raise ValidationError({"org": _("The member already belongs to %(org)s.") % {"org": to_org.name}})
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"status": _("Only an active member can be transferred.")})
    old_org = member.org
    member.org = to_org
    member.region_code = to_org.region_code
    member.joined_org_on = on
    _check_member(actor=actor, member=member)
    member.full_clean()
    member.save()
    _end_positions(Position.objects.filter(member=member, org=old_org), on)
    return member


def _end_positions(positions, on: dt.date) -> None:
    current = positions.current(on)
    # A position starting that very day ends that day too; the constraint forbids an end before the start.
    current.update(end_date=on)
    # One that had not started yet is cut to its first day rather than left open.
    positions.filter(start_date__gt=on).filter(Q(end_date__isnull=True) | Q(end_date__gt=F("start_date"))).update(
        end_date=F("start_date")
    )


@transaction.atomic
def member_set_status(*, actor, member: PartyMember, status: str, on: dt.date | None = None) -> PartyMember:
    """Mark a member transferred out of the district or deceased (or active again); a leaving member's
    positions end that day."""
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    require_party_edit(actor, member.region_code)
    if status not in MemberStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    member.status = status
    member.full_clean()
    member.save(update_fields=["status"])
    if status != MemberStatus.ACTIVE:
        _end_positions(Position.objects.filter(member=member), on or _today())
    return member


# ---------------------------------------------------------------- positions


def _overlapping(qs, *, start: dt.date, end: dt.date | None, exclude_pk: int | None = None):
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        qs = qs.filter(start_date__lte=end)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("member")


def _period_text(position: Position) -> str:
    if position.end_date is None:
        return _("since %(start)s") % {"start": position.start_date}
    return _("%(start)s to %(end)s") % {"start": position.start_date, "end": position.end_date}


def _is_ancestor_or_self(org: PartyOrg, of: PartyOrg) -> bool:
    node: PartyOrg | None = of
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        if node.pk == org.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _position_conflicts(position: Position) -> list[str]:
    """Holders whose periods overlap the new one: one steward per unit, one 楼栋长 per building,
    one holder of a single-holder title per organisation, and no title twice for the same member."""
    start, end, pk = position.start_date, position.end_date, position.pk
    messages: list[str] = []
    title = position.title
    label = PositionTitle(title).label
    if title == PositionTitle.UNIT_STEWARD:
        others = Position.objects.filter(title=title, unit=position.unit)
        for other in _overlapping(others, start=start, end=end, exclude_pk=pk):
            messages.append(
                _("%(unit)s already has a steward, %(name)s (%(period)s); end that position first.")
                % {"unit": position.unit, "name": other.member.name, "period": _period_text(other)}
            )
    elif title == PositionTitle.BUILDING_HEAD:
        others = Position.objects.filter(title=title, building=position.building)
        for other in _overlapping(others, start=start, end=end, exclude_pk=pk):
            messages.append(
                _("%(building)s already has a Party member building head, %(name)s (%(period)s).")
                % {"building": position.building, "name": other.member.name, "period": _period_text(other)}
            )
    elif title in SINGLE_HOLDER_TITLES:
        others = Position.objects.filter(title=title, org=position.org)
        for other in _overlapping(others, start=start, end=end, exclude_pk=pk):
            messages.append(
                _("%(org)s already has a %(title)s, %(name)s (%(period)s); end that position first.")
                % {"org": position.org.name, "title": label, "name": other.member.name, "period": _period_text(other)}
            )
    if not messages:
        same = Position.objects.filter(member=position.member, org=position.org, title=title)
        if title == PositionTitle.UNIT_STEWARD:
            same = same.filter(unit=position.unit)
        elif position.building is not None:
            same = same.filter(building=position.building)
        for other in _overlapping(same, start=start, end=end, exclude_pk=pk):
            messages.append(
                _("%(name)s already holds this position for %(period)s.")
                % {"name": other.member.name, "period": _period_text(other)}
            )
    return messages


@transaction.atomic
def position_assign(
    *,
    actor,
    member: PartyMember,
    title: str,
    org: PartyOrg | None = None,
    building: Building | None = None,
    unit: Unit | None = None,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Position:
    """Give a member a position for a period: in their organisation (or one above it), at a building or a unit."""
    org = org or member.org
    require_party_edit(actor, org.region_code)
    # One assignment at a time per organisation, so two overlapping requests cannot both pass the checks.
    PartyOrg.objects.select_for_update().filter(pk=org.pk).first()
    # ... and per unit or building, whose one steward or building head may be assigned from several organisations.
    if unit is not None:
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if building is not None:
        Building.objects.select_for_update().filter(pk=building.pk).first()
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if title not in PositionTitle.values:
        raise ValidationError({"title": _("Unknown position.")})
    if member.status != MemberStatus.ACTIVE:
        error("member", _("%(name)s is not an active member.") % {"name": member.name})
    if not _is_ancestor_or_self(org, member.org):
        error(
            "org",
            _("%(name)s is not a member of %(org)s or of an organisation under it.")
            % {"name": member.name, "org": org.name},
        )
    if not _is_active_org(org, start_date):
        error("org", _("%(org)s has been dissolved.") % {"org": org.name})
    if end_date is not None and end_date < start_date:
        error("end_date", _("A position cannot end before it starts."))
    if title == PositionTitle.UNIT_STEWARD:
        if unit is None:
            error("unit", _("Choose the unit the steward looks after."))
        else:
            building = unit.building
    elif unit is not None:
        error("unit", _("Only a unit red steward is assigned to a unit."))
        unit = None
    if title == PositionTitle.BUILDING_HEAD and building is None:
        error("building", _("Choose the building of the Party member building head."))
    place = unit or building
    if place is not None and not place.region_code.startswith(org.region_code):
        error(
            "unit" if unit else "building",
            _("%(place)s lies outside the place of %(org)s.") % {"place": place, "org": org.name},
        )
    elif building is not None and org.kind == OrgKind.GROUP:
        group_buildings = set(org.buildings.values_list("pk", flat=True))
        if group_buildings and building.pk not in group_buildings:
            error(
                "unit" if unit else "building",
                _("%(place)s is not one of the buildings of %(org)s.") % {"place": place, "org": org.name},
            )
    if errors:
        raise ValidationError(errors)
    position = Position(
        member=member,
        org=org,
        title=title,
        building=building,
        unit=unit,
        region_code=place.region_code if place is not None else org.region_code,
        start_date=start_date,
        end_date=end_date,
    )
    conflicts = _position_conflicts(position)
    if conflicts:
        raise ValidationError({"start_date": conflicts})
    position.full_clean()
    position.save()
    return position


@transaction.atomic
def position_end(*, actor, position: Position, end_date: dt.date) -> Position:
    """End a position on a day (it is held through that day)."""
    position = (
        Position.objects.select_for_update(of=("self",))
        .select_related("org", "member", "unit", "building")
        .get(pk=position.pk)
    )
    require_party_edit(actor, position.org.region_code)
    if end_date < position.start_date:
        raise ValidationError(
            {"end_date": _("A position cannot end before it starts (%(start)s).") % {"start": position.start_date}}
        )
    if position.end_date is not None and position.end_date < _today():
        raise ValidationError({"end_date": _("This position already ended on %(date)s.") % {"date": position.end_date}})
    position.end_date = end_date
    conflicts = _position_conflicts(position)
    if conflicts:
        raise ValidationError({"end_date": conflicts})
    position.full_clean()
    position.save(update_fields=["end_date"])
    return position


# ---------------------------------------------------------------- cross-appointments


@transaction.atomic
def cross_appointment_add(
    *,
    actor,
    community_org: PartyOrg,
    community_role: str,
    organisation_kind: str,
    organisation_name: str,
    organisation_role: str,
    start_date: dt.date,
    member: PartyMember | None = None,
    person_name: str = "",
    end_date: dt.date | None = None,
) -> CrossAppointment:
    """Record 双向进入、交叉任职: a person of the community organisation holding a role in a firm or committee."""
    require_party_edit(actor, community_org.region_code)
    errors: dict[str, list[str]] = {}
    if member is not None:
        if not member.region_code.startswith(community_org.region_code):
            errors["member"] = [
                _("%(name)s is not a member under %(org)s.") % {"name": member.name, "org": community_org.name}
            ]
        person_name = member.name
    person_name = (person_name or "").strip()
    if not person_name:
        errors["person_name"] = [_("Enter the person's name or choose a member.")]
    if end_date is not None and end_date < start_date:
        errors["end_date"] = [_("An appointment cannot end before it starts.")]
    if errors:
        raise ValidationError(errors)
    appointment = CrossAppointment(
        community_org=community_org,
        region_code=community_org.region_code,
        member=member,
        person_name=person_name,
        community_role=(community_role or "").strip(),
        organisation_kind=organisation_kind,
        organisation_name=(organisation_name or "").strip(),
        organisation_role=(organisation_role or "").strip(),
        start_date=start_date,
        end_date=end_date,
    )
    appointment.full_clean()
    appointment.save()
    return appointment


@transaction.atomic
def cross_appointment_end(*, actor, appointment: CrossAppointment, end_date: dt.date) -> CrossAppointment:
    appointment = CrossAppointment.objects.select_for_update().get(pk=appointment.pk)
    require_party_edit(actor, appointment.region_code)
    if end_date < appointment.start_date:
        raise ValidationError({"end_date": _("An appointment cannot end before it starts.")})
    appointment.end_date = end_date
    appointment.full_clean()
    appointment.save(update_fields=["end_date"])
    return appointment
