"""Co-building units (共建单位) and the agreements they sign with the community."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Region
from grids.validators import validate_phone

from ...models import Agreement, CoBuildingUnit, OrgKind, PartyOrg
from .common import _check_community, _not_in_future, require_edit


def _check_joint_committee(joint_committee: PartyOrg | None, community: Region) -> None:
    if joint_committee is None:
        return
    if joint_committee.kind != OrgKind.JOINT_COMMITTEE:
        raise ValidationError({"joint_committee": _("Choose a joint Party committee (联合党委).")})
    if not joint_committee.region_code.startswith(community.code):
        raise ValidationError({"joint_committee": _("This joint Party committee is not in the unit's community.")})


def _check_contact_phone(phone: str) -> str:
    phone = (phone or "").strip()
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"contact_phone": exc.messages}) from None
    return phone


@transaction.atomic
def cobuilding_unit_add(
    *,
    actor,
    community: Region,
    name: str,
    joint_committee: PartyOrg | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    joined_on: dt.date | None = None,
) -> CoBuildingUnit:
    """Add a unit that builds the community together with it (共建单位)."""
    _check_community(community)
    require_edit(actor, community.code)
    _check_joint_committee(joint_committee, community)
    name = (name or "").strip()
    if name and CoBuildingUnit.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("This community already has a co-building unit of this name.")})
    unit = CoBuildingUnit(
        community=community,
        region_code=community.code,
        name=name,
        joint_committee=joint_committee,
        contact_name=(contact_name or "").strip(),
        contact_phone=_check_contact_phone(contact_phone),
        joined_on=joined_on or timezone.localdate(),
    )
    unit.full_clean()
    unit.save()
    return unit


UNIT_FIELDS = ("name", "joint_committee", "contact_name", "contact_phone", "joined_on")


@transaction.atomic
def cobuilding_unit_update(*, actor, unit: CoBuildingUnit, **changes) -> CoBuildingUnit:
    """Change a unit's name, joint committee, contact or joining date (its community stays)."""
    require_edit(actor, unit.region_code)
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"cobuilding_unit_update() got unexpected fields: {sorted(unknown)}")
    unit = CoBuildingUnit.objects.select_for_update().select_related("community").get(pk=unit.pk)
    if "joint_committee" in changes:
        _check_joint_committee(changes["joint_committee"], unit.community)
    if "contact_phone" in changes:
        changes["contact_phone"] = _check_contact_phone(changes["contact_phone"])
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        clash = CoBuildingUnit.objects.filter(community=unit.community, name=changes["name"]).exclude(pk=unit.pk)
        if changes["name"] and clash.exists():
            raise ValidationError({"name": _("This community already has a co-building unit of this name.")})
    for field, value in changes.items():
        setattr(unit, field, value.strip() if isinstance(value, str) else value)
    unit.full_clean()
    unit.save(update_fields=sorted(changes) or None)
    return unit


@transaction.atomic
def agreement_add(
    *, actor, unit: CoBuildingUnit, signed_on: dt.date, valid_until: dt.date | None, text: str
) -> Agreement:
    """Record the 共驻共建协议书 a unit signed with the community."""
    require_edit(actor, unit.region_code)
    errors: dict[str, list[str]] = {}
    _not_in_future(signed_on, "signed_on", errors)
    if signed_on and valid_until and valid_until < signed_on:
        errors.setdefault("valid_until", []).append(_("An agreement cannot expire before it is signed."))
    if errors:
        raise ValidationError(errors)
    agreement = Agreement(
        unit=unit, region_code=unit.region_code, signed_on=signed_on, valid_until=valid_until, text=(text or "").strip()
    )
    agreement.full_clean()
    agreement.save()
    return agreement
