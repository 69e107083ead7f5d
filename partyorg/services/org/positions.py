"""Positions (stewards and building heads included): assign for a period without overlaps, and end."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from grids.models import Building, Unit

from ...models import MemberStatus, OrgKind, PartyMember, PartyOrg, Position, PositionTitle
from .common import SINGLE_HOLDER_TITLES, _is_active_org, _today, require_party_edit


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
