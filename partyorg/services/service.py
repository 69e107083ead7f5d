"""Writes of 双报到 and service records, co-building units with "一书三单", and 书记领办项目.

Every function is keyword-only and transactional; bad input raises ValidationError with field
keys, and a user without an editing role at the place raises PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Region, RegionLevel
from grids.validators import validate_phone

from ..models import (
    Agreement,
    CoBuildingUnit,
    DualRegistration,
    ListItem,
    ListItemStatus,
    ListKind,
    MemberCategory,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrg,
    Position,
    PositionTitle,
    ProjectStatus,
    ProjectUpdate,
    SecretaryProject,
    ServiceRecord,
    scoping,
)

# Statuses from which an item may still be matched or turned into a project.
MATCHABLE_STATUSES = frozenset({ListItemStatus.OPEN, ListItemStatus.MATCHED})
UNIT_KINDS = frozenset({ListKind.RESOURCE, ListKind.PROJECT})


def require_edit(actor, code: str) -> None:
    scoping.require_party_edit(actor, code, _("Your role may not edit Party records here."))


def _check_community(community: Region, field: str = "community") -> None:
    if community.level != RegionLevel.COMMUNITY:
        raise ValidationError({field: _("Choose a community.")})


def _not_in_future(value: dt.date | None, field: str, errors: dict) -> None:
    if value is not None and value > timezone.localdate():
        errors.setdefault(field, []).append(_("This date is in the future."))


# ---------------------------------------------------------------- 双报到


@transaction.atomic
def dual_registration_add(
    *,
    actor,
    member: PartyMember,
    community: Region,
    workplace: str,
    skills: str = "",
    registered_on: dt.date | None = None,
) -> DualRegistration:
    """Register an in-service member with their home community (one open registration per community)."""
    _check_community(community)
    require_edit(actor, community.code)
    errors: dict[str, list[str]] = {}
    if member.category != MemberCategory.IN_SERVICE:
        errors.setdefault("member", []).append(_("Only in-service Party members (在职党员) register with a community."))
    elif member.status != MemberStatus.ACTIVE:
        errors.setdefault("member", []).append(_("This member is no longer active."))
    elif DualRegistration.objects.filter(member=member, community=community, ended_on__isnull=True).exists():
        errors.setdefault("member", []).append(_("This member is already registered with this community."))
    registered_on = registered_on or timezone.localdate()
    _not_in_future(registered_on, "registered_on", errors)
    if errors:
        raise ValidationError(errors)
    registration = DualRegistration(
        member=member,
        community=community,
        region_code=community.code,
        workplace=(workplace or member.workplace or "").strip(),
        skills=(skills or "").strip(),
        registered_on=registered_on,
    )
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def dual_registration_end(
    *, actor, registration: DualRegistration, ended_on: dt.date | None = None
) -> DualRegistration:
    """End a registration (the member moved or changed jobs); its service records stay."""
    require_edit(actor, registration.region_code)
    registration = DualRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.ended_on is not None:
        raise ValidationError({"ended_on": _("This registration has already ended.")})
    ended_on = ended_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    _not_in_future(ended_on, "ended_on", errors)
    if ended_on < registration.registered_on:
        errors.setdefault("ended_on", []).append(_("A registration cannot end before it began."))
    if errors:
        raise ValidationError(errors)
    registration.ended_on = ended_on
    registration.full_clean()
    registration.save(update_fields=["ended_on"])
    return registration


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"hours": _("Enter the hours as a number, e.g. 2.5.")}) from None
    if not hours.is_finite() or hours <= 0 or hours > 24:
        raise ValidationError({"hours": _("Hours must be more than 0 and at most 24.")})
    if hours != hours.quantize(Decimal("0.1")):
        raise ValidationError({"hours": _("Give the hours to one decimal place at most.")})
    return hours


@transaction.atomic
def service_record_add(
    *, actor, registration: DualRegistration, date: dt.date, hours, description: str
) -> ServiceRecord:
    """Record a piece of service a registered member gave the community."""
    require_edit(actor, registration.region_code)
    errors: dict[str, list[str]] = {}
    if date is None:
        errors.setdefault("date", []).append(_("Give the date of the service."))
    else:
        _not_in_future(date, "date", errors)
        if date < registration.registered_on:
            errors.setdefault("date", []).append(_("This date is before the member registered with the community."))
        if registration.ended_on is not None and date > registration.ended_on:
            errors.setdefault("date", []).append(_("This date is after the registration ended."))
    try:
        hours = _hours(hours)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not (description or "").strip():
        errors.setdefault("description", []).append(_("Say what was done."))
    if errors:
        raise ValidationError(errors)
    record = ServiceRecord(
        registration=registration,
        region_code=registration.region_code,
        date=date,
        hours=hours,
        description=description.strip(),
    )
    record.full_clean()
    record.save()
    return record


# ---------------------------------------------------------------- co-building units


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


# ---------------------------------------------------------------- the three lists


def _check_unit(kind: str, unit: CoBuildingUnit | None, community: Region) -> None:
    if unit is None:
        if kind in UNIT_KINDS:
            raise ValidationError(
                {"unit": _("Name the co-building unit that offers the resource or runs the project.")}
            )
        return
    if unit.community_id != community.pk:
        raise ValidationError({"unit": _("This co-building unit belongs to another community.")})


@transaction.atomic
def list_item_add(
    *,
    actor,
    community: Region,
    kind: str,
    title: str,
    description: str = "",
    unit: CoBuildingUnit | None = None,
) -> ListItem:
    """Put an item on one of the three lists (resources, needs, service projects)."""
    _check_community(community)
    require_edit(actor, community.code)
    if kind not in ListKind.values:
        raise ValidationError({"kind": _("Choose one of the three lists.")})
    _check_unit(kind, unit, community)
    item = ListItem(
        kind=kind,
        community=community,
        region_code=community.code,
        unit=unit,
        title=(title or "").strip(),
        description=(description or "").strip(),
    )
    item.full_clean()
    item.save()
    return item


def _lock_items(*items: ListItem) -> list[ListItem]:
    locked = ListItem.objects.select_for_update().in_bulk([item.pk for item in items])
    return [locked[item.pk] for item in items]


def _check_pair(need: ListItem, resource: ListItem) -> None:
    if need.kind != ListKind.NEED:
        raise ValidationError({"need": _("This item is not on the needs list.")})
    if resource.kind != ListKind.RESOURCE:
        raise ValidationError({"resource": _("This item is not on the resources list.")})
    if need.community_id != resource.community_id:
        raise ValidationError({"resource": _("This resource belongs to another community.")})


@transaction.atomic
def need_match(*, actor, need: ListItem, resource: ListItem) -> tuple[ListItem, ListItem]:
    """Match an open need to an open resource of the same community: both become "matched"."""
    require_edit(actor, need.region_code)
    _check_pair(need, resource)
    need, resource = _lock_items(need, resource)
    if need.status != ListItemStatus.OPEN:
        raise ValidationError({"need": _("Only an open need can be matched (this one is “%(status)s”).")
                               % {"status": need.get_status_display()}})  # fmt: skip
    if resource.status != ListItemStatus.OPEN:
        raise ValidationError({"resource": _("Only an open resource can be matched (this one is “%(status)s”).")
                               % {"status": resource.get_status_display()}})  # fmt: skip
    need.status = ListItemStatus.MATCHED
    resource.status = ListItemStatus.MATCHED
    resource.need = need  # the resource answers the need
    need.full_clean()
    resource.full_clean()
    need.save(update_fields=["status"])
    resource.save(update_fields=["status", "need"])
    return need, resource


@transaction.atomic
def project_from_need(
    *,
    actor,
    need: ListItem,
    resource: ListItem,
    title: str | None = None,
    unit: CoBuildingUnit | None = None,
) -> ListItem:
    """Turn a need and the resource answering it into a service project; both are then in progress."""
    require_edit(actor, need.region_code)
    _check_pair(need, resource)
    need, resource = _lock_items(need, resource)
    if need.status not in MATCHABLE_STATUSES:
        raise ValidationError({"need": _("This need is “%(status)s”; only an open or matched need becomes a project.")
                               % {"status": need.get_status_display()}})  # fmt: skip
    if resource.status not in MATCHABLE_STATUSES:
        raise ValidationError(
            {"resource": _("This resource is “%(status)s”; only an open or matched resource can be used.")
             % {"status": resource.get_status_display()}}
        )  # fmt: skip
    if resource.status == ListItemStatus.MATCHED and resource.need_id not in (None, need.pk):
        raise ValidationError({"resource": _("This resource is matched to another need.")})
    community = need.community
    unit = unit or resource.unit
    _check_unit(ListKind.PROJECT, unit, community)
    project = ListItem(
        kind=ListKind.PROJECT,
        community=community,
        region_code=need.region_code,
        unit=unit,
        title=(title or need.title).strip(),
        description=need.description,
        status=ListItemStatus.IN_PROGRESS,
        need=need,
        resource=resource,
    )
    project.full_clean()
    project.save()
    need.status = ListItemStatus.IN_PROGRESS
    need.save(update_fields=["status"])
    resource.status = ListItemStatus.IN_PROGRESS
    resource.need = need
    resource.save(update_fields=["status", "need"])
    return project


@transaction.atomic
def list_item_set_status(*, actor, item: ListItem, status: str) -> ListItem:
    """Set an item's status by hand (done, withdrawn, reopened); a finished project closes its need."""
    require_edit(actor, item.region_code)
    if status not in ListItemStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    item = ListItem.objects.select_for_update().get(pk=item.pk)
    if item.status == status:
        return item
    if status == ListItemStatus.MATCHED:
        raise ValidationError({"status": _("Match a need to a resource to mark them matched.")})
    fields = ["status"]
    if status == ListItemStatus.OPEN and item.kind == ListKind.RESOURCE and item.need_id:
        item.need = None  # reopening a resource frees it from the need it answered
        fields.append("need")
    item.status = status
    item.full_clean()
    item.save(update_fields=fields)
    if item.kind == ListKind.PROJECT and status == ListItemStatus.DONE and item.need_id:
        ListItem.objects.filter(pk=item.need_id, status=ListItemStatus.IN_PROGRESS).update(status=ListItemStatus.DONE)
    return item


# ---------------------------------------------------------------- 书记领办项目


def holds_secretary(member: PartyMember, org: PartyOrg, on: dt.date | None = None) -> bool:
    return Position.objects.current(on).filter(member=member, org=org, title=PositionTitle.SECRETARY).exists()


@transaction.atomic
def secretary_project_add(
    *,
    actor,
    org: PartyOrg,
    secretary: PartyMember,
    title: str,
    goal: str,
    started_on: dt.date | None = None,
    due_on: dt.date | None = None,
    is_public: bool = True,
) -> SecretaryProject:
    """Start a project led by the secretary of an organisation (书记领办)."""
    require_edit(actor, org.region_code)
    errors: dict[str, list[str]] = {}
    started_on = started_on or timezone.localdate()
    if not holds_secretary(secretary, org):
        errors.setdefault("secretary", []).append(
            _("%(name)s is not the current secretary (书记) of %(org)s.") % {"name": secretary, "org": org.name}
        )
    if due_on is not None and due_on < started_on:
        errors.setdefault("due_on", []).append(_("A project cannot be due before it starts."))
    if errors:
        raise ValidationError(errors)
    project = SecretaryProject(
        org=org,
        region_code=org.region_code,
        secretary=secretary,
        title=(title or "").strip(),
        goal=(goal or "").strip(),
        started_on=started_on,
        due_on=due_on,
        is_public=is_public,
    )
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update_add(*, actor, project: SecretaryProject, date: dt.date, progress: int, note: str) -> ProjectUpdate:
    """Report progress on a project; 100 % finishes it, a step back needs its note to say why."""
    require_edit(actor, project.region_code)
    project = SecretaryProject.objects.select_for_update().get(pk=project.pk)
    errors: dict[str, list[str]] = {}
    if project.status == ProjectStatus.STOPPED:
        raise ValidationError(_("This project has been stopped; it takes no more updates."))
    if date is None:
        errors.setdefault("date", []).append(_("Give the date of the update."))
    else:
        _not_in_future(date, "date", errors)
        if date < project.started_on:
            errors.setdefault("date", []).append(_("This date is before the project started."))
    if progress is None or not (0 <= int(progress) <= 100):
        errors.setdefault("progress", []).append(_("Progress is a percentage from 0 to 100."))
    note = (note or "").strip()
    if not note:
        if progress is not None and int(progress) < project.progress:
            errors.setdefault("note", []).append(_("Progress went back; say why."))
        else:
            errors.setdefault("note", []).append(_("Say what happened."))
    if errors:
        raise ValidationError(errors)
    update = ProjectUpdate(project=project, date=date, progress=int(progress), note=note)
    update.full_clean()
    update.save()
    # The project shows its latest report, even when an older one is entered late.
    latest = project.updates.order_by("-date", "-id").first()
    project.progress = latest.progress
    if project.progress >= 100:
        project.status = ProjectStatus.DONE
    elif project.progress > 0 or project.status == ProjectStatus.DONE:
        project.status = ProjectStatus.UNDER_WAY
    project.full_clean()
    project.save(update_fields=["progress", "status"])
    return update
