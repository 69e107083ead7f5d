"""Members: add, change, transfer between organisations, and leave (their positions end with them)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from grids.models import Resident
from grids.validators import validate_phone

from ...models import MemberCategory, MemberStatus, PartyMember, PartyOrg, Position
from .common import MEMBER_FIELDS, _is_active_org, _today, require_party_edit


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
