"""Organisations: found, change and dissolve, keeping each kind at its level and each child inside its parent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from grids.models import Building, Region, RegionLevel

from ...models import CrossAppointment, MemberStatus, OrgKind, PartyMember, PartyOrg, Position
from .common import KIND_LEVELS, ORG_FIELDS, _is_active_org, _today, require_party_edit


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
