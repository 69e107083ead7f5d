"""Every write to the territory and the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import LEDGER_EDIT_ROLES, PII_REVEAL_ROLES
from accounts.scoping import get_scope

from .models import (
    Building,
    Estate,
    Gender,
    Household,
    PiiAccessLog,
    Region,
    RegionCodeHistory,
    RegionLevel,
    Residence,
    Resident,
    Tag,
    Unit,
)
from .signals import region_recoded
from .validators import LEVEL_LENGTHS, LEVEL_ORDER, check_id_number, normalize_id_number, validate_phone

# ---------------------------------------------------------------- territory


@transaction.atomic
def region_create(
    *,
    code: str,
    level: str,
    name: str,
    parent: Region | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    code_is_invented: bool = False,
) -> Region:
    region = Region(
        code=code,
        level=level,
        name=name,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        code_is_invented=code_is_invented,
    )
    region.full_clean()
    region.save()
    return region


def territorial_models() -> list:
    """Every model that carries a denormalised region_code."""
    found = []
    for model in apps.get_models():
        try:
            model._meta.get_field("region_code")
        except Exception:  # FieldDoesNotExist
            continue
        found.append(model)
    return found


@transaction.atomic
def region_recode(*, region: Region, new_code: str, actor=None, reason: str = "") -> Region:
    """Give a region (and its whole subtree) a new code, moving every dependent row with it.

    The parent follows from the new code, so re-coding can also move a grid to another
    community when grids are redrawn. Old codes are kept in RegionCodeHistory.
    """
    region = Region.objects.select_for_update().get(pk=region.pk)
    old_code = region.code
    if new_code == old_code:
        return region
    parent = None
    if region.level != RegionLevel.PROVINCE:
        parent_len = LEVEL_LENGTHS[LEVEL_ORDER[LEVEL_ORDER.index(region.level) - 1]]
        parent = Region.objects.filter(code=new_code[:parent_len]).first()
        if parent is None:
            raise ValidationError(
                {"code": _("No region has the parent code %(code)s.") % {"code": new_code[:parent_len]}}
            )
    candidate = Region(code=new_code, level=region.level, name=region.name, parent=parent)
    candidate.clean()
    if Region.objects.filter(code__startswith=new_code).exists():
        raise ValidationError({"code": _("The code %(code)s is already in use.") % {"code": new_code}})
    if new_code.startswith(old_code):
        raise ValidationError({"code": _("A region cannot be moved under itself.")})

    moved = list(Region.objects.filter(code__startswith=old_code).values_list("pk", "code"))
    now = timezone.now()
    RegionCodeHistory.objects.bulk_create(
        RegionCodeHistory(
            region_id=pk,
            old_code=code,
            new_code=new_code + code[len(old_code) :],
            changed_at=now,
            changed_by=actor,
            reason=reason,
        )
        for pk, code in moved
    )
    tail = Substr("code", len(old_code) + 1)
    Region.objects.filter(code__startswith=old_code).update(code=Concat(Value(new_code), tail))
    if parent is not None and region.parent_id != parent.pk:
        Region.objects.filter(pk=region.pk).update(parent=parent)
    region_tail = Substr("region_code", len(old_code) + 1)
    for model in territorial_models():
        model._base_manager.filter(region_code__startswith=old_code).update(
            region_code=Concat(Value(new_code), region_tail)
        )
    region_recoded.send(sender=Region, old_code=old_code, new_code=new_code)
    region.refresh_from_db()
    return region


def _place_code(region: Region, allowed: set[str], message: str) -> str:
    if region.level not in allowed:
        raise ValidationError({"region": message})
    return region.code


@transaction.atomic
def estate_create(*, name: str, region: Region, kind: str, address: str = "") -> Estate:
    code = _place_code(
        region,
        {RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICROGRID},
        _("An estate lies in a community, grid or micro-grid."),
    )
    estate = Estate(name=name, region=region, region_code=code, kind=kind, address=address)
    estate.full_clean()
    estate.save()
    return estate


@transaction.atomic
def building_create(*, estate: Estate, number: str, region: Region, floors: int | None = None, **extra) -> Building:
    code = _place_code(
        region,
        {RegionLevel.GRID, RegionLevel.MICROGRID},
        _("A building lies in exactly one grid or micro-grid."),
    )
    if not code.startswith(estate.region_code[:12]):
        raise ValidationError({"region": _("The building's grid must belong to the estate's community.")})
    building = Building(estate=estate, number=number, region=region, region_code=code, floors=floors, **extra)
    building.full_clean()
    building.save()
    return building


@transaction.atomic
def unit_create(*, building: Building, number: str) -> Unit:
    unit = Unit(building=building, number=number, region_code=building.region_code)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def household_create(*, unit: Unit, room: str, address: str = "") -> Household:
    if not address:
        address = f"{unit.building.estate.name}{unit.building.number}{unit.number}{room}"
    household = Household(unit=unit, room=room, address=address, region_code=unit.region_code)
    household.full_clean()
    household.save()
    return household


# ---------------------------------------------------------------- residents


@dataclass
class ResidentData:
    """Resident fields after validation, with derived values and warnings."""

    cleaned: dict
    warnings: list[str] = field(default_factory=list)


RESIDENT_FIELDS = (
    "name",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "residency_type",
    "relation",
    "ledger_colour",
    "note",
)


def resident_validate(*, data: dict, instance: Resident | None = None) -> ResidentData:
    """Check resident fields; raise ValidationError keyed by field with every problem found.

    Gender and birth date come from the ID number; when also entered, they must agree with it.
    """
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    cleaned = dict(data)
    name = (cleaned.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Please enter the resident's name."))
    cleaned["name"] = name

    raw_id = cleaned.get("id_number")
    if not raw_id and instance is not None:
        raw_id = instance.id_number  # left blank on edit: keep the number on file
    check = check_id_number(raw_id or "")
    if not raw_id:
        errors.setdefault("id_number", []).append(_("Please enter the ID number."))
    elif check.errors:
        errors.setdefault("id_number", []).extend(check.errors)
    else:
        cleaned["id_number"] = check.number
        warnings.extend(check.warnings)
        clash = Resident.objects.filter(id_number=check.number)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("id_number", []).append(_("A resident with this ID number is already in the ledger."))
        entered_gender = cleaned.get("gender") or None
        if entered_gender and entered_gender != check.gender:
            errors.setdefault("gender", []).append(
                _("The gender does not match the ID number, which says %(gender)s.")
                % {"gender": Gender(check.gender).label}
            )
        cleaned["gender"] = check.gender
        entered_birth = cleaned.get("birth_date") or None
        if entered_birth and check.birth_date and entered_birth != check.birth_date:
            errors.setdefault("birth_date", []).append(
                _("The birth date does not match the ID number, which says %(date)s.")
                % {"date": check.birth_date.isoformat()}
            )
        cleaned["birth_date"] = check.birth_date

    phone = (cleaned.get("phone") or "").strip().replace(" ", "")
    # On edit, a phone that is not given (or given blank with keep_phone) stays as it is.
    if instance is not None and not phone and ("phone" not in cleaned or cleaned.get("keep_phone", False)):
        phone = instance.phone
    try:
        validate_phone(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    cleaned["phone"] = phone
    cleaned.pop("keep_phone", None)
    if errors:
        raise ValidationError(errors)
    return ResidentData(cleaned=cleaned, warnings=warnings)


@transaction.atomic
def resident_create(
    *, household: Household, data: dict, tags: list[Tag] | None = None, moved_in: dt.date | None = None
) -> tuple[Resident, list[str]]:
    result = resident_validate(data=data)
    values = {k: v for k, v in result.cleaned.items() if k in RESIDENT_FIELDS and v is not None}
    resident = Resident(household=household, region_code=household.region_code, **values)
    resident.full_clean(exclude=["tags"])
    resident.save()
    if tags:
        resident.tags.set(tags)
    Residence.objects.create(
        resident=resident,
        household=household,
        region_code=household.region_code,
        moved_in=moved_in or timezone.localdate(),
        reason=_("Entered into the ledger"),
    )
    return resident, result.warnings


@transaction.atomic
def resident_update(*, resident: Resident, data: dict, tags: list[Tag] | None = None) -> tuple[Resident, list[str]]:
    result = resident_validate(data=data, instance=resident)
    changed = []
    for key, value in result.cleaned.items():
        if key in RESIDENT_FIELDS and value is not None and getattr(resident, key) != value:
            setattr(resident, key, value)
            changed.append(key)
    resident.full_clean(exclude=["tags"])
    if changed:
        resident.save(update_fields=[*changed, "updated_at"])
    if tags is not None:
        resident.tags.set(tags)
    return resident, result.warnings


@transaction.atomic
def resident_move(
    *, resident: Resident, household: Household | None, on: dt.date | None = None, reason: str = ""
) -> Resident:
    """Move a resident to another household, or out of the ledger's households when None."""
    day = on or timezone.localdate()
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if household is not None and resident.household_id == household.pk:
        raise ValidationError({"household": _("The resident already lives in this household.")})
    if resident.household_id is None and household is None:
        raise ValidationError({"household": _("The resident has already moved out.")})
    open_stay = Residence.objects.filter(resident=resident, moved_out__isnull=True).first()
    if open_stay is not None:
        if day < open_stay.moved_in:
            raise ValidationError({"on": _("The move date cannot be before the resident moved in.")})
        open_stay.moved_out = day
        open_stay.save(update_fields=["moved_out"])
    resident.household = household
    fields = ["household", "updated_at"]
    if household is not None:
        resident.region_code = household.region_code
        fields.append("region_code")
        Residence.objects.create(
            resident=resident,
            household=household,
            region_code=household.region_code,
            moved_in=day,
            reason=reason,
        )
    resident.save(update_fields=fields)
    return resident


def normalize_lookup_id(value: str) -> str:
    return normalize_id_number(value)


# ---------------------------------------------------------------- personal data


def can_reveal_pii(user, resident: Resident) -> bool:
    scope = get_scope(user)
    return bool(scope.roles_at(resident.region_code) & PII_REVEAL_ROLES)


def can_edit_ledger(user, region_code: str) -> bool:
    return bool(get_scope(user).roles_at(region_code) & LEDGER_EDIT_ROLES)


@transaction.atomic
def pii_reveal(
    *, actor, resident: Resident, reason: str, ip_address: str | None = None, channel: str = "web"
) -> dict[str, str]:
    """Return the unmasked ID number and phone, writing an access-log row first."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please state why you need to see this resident's personal data.")})
    if not can_reveal_pii(actor, resident):
        raise PermissionDenied(_("Your role may not see this resident's personal data."))
    PiiAccessLog.objects.create(
        actor=actor,
        resident=resident,
        fields="id_number,phone",
        reason=reason[:200],
        ip_address=ip_address,
        channel=channel,
    )
    return {"id_number": resident.id_number, "phone": resident.phone}
