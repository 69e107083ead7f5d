"""Patrols and visits (巡查走访), and mediation records (矛盾纠纷调处)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import get_scope
from grids.models import Building, Household, Region, RegionLevel
from grids.validators import validate_phone

from ..messages import note as system_note
from ..models import (
    Case,
    CaseAction,
    CaseCategory,
    Channel,
    Mediation,
    MediationOutcome,
    MediationParty,
    MediationSession,
    Patrol,
    PatrolPhoto,
    Urgency,
)
from . import access
from .common import lock_case, save_with_event
from .intake import _check_position, case_create
from .uploads import check_uploads

# Categories whose cases are disputes and get a mediation record.
DISPUTE_CATEGORY_CODE = "GA02"


@transaction.atomic
def patrol_create(
    *,
    patroller,
    region: Region,
    date: dt.date | None = None,
    buildings: list[Building] | None = None,
    households: list[Household] | None = None,
    notes: str = "",
    latitude=None,
    longitude=None,
    photos=None,
) -> Patrol:
    """Record a patrol or round of visits in the patroller's own grid."""
    if not get_scope(patroller).covers(region.code, roles=access.LEVEL_ROLES["grid"] | {"community_worker"}):
        raise PermissionDenied(_("You may record patrols only in your own grid."))
    errors: dict[str, list[str]] = {}
    if region.level not in {RegionLevel.GRID, RegionLevel.MICROGRID}:
        errors.setdefault("region", []).append(_("Choose a grid or micro-grid."))
    day = date or timezone.localdate()
    if day > timezone.localdate():
        errors.setdefault("date", []).append(_("A patrol cannot be recorded for a future date."))
    grid_code = region.code[:15]
    for building in buildings or []:
        if not building.region_code.startswith(grid_code):
            errors.setdefault("buildings", []).append(
                _("%(building)s is not in this grid.") % {"building": f"{building.estate.name}{building.number}"}
            )
    for household in households or []:
        if not household.region_code.startswith(grid_code):
            errors.setdefault("households", []).append(_("A household you chose is not in this grid."))
    errors.update(_check_position(latitude, longitude))
    try:
        checked = check_uploads(photos, photos_only=True)
    except ValidationError as exc:
        errors.setdefault("photos", []).extend(exc.messages)
        checked = []
    if errors:
        raise ValidationError(errors)
    patrol = Patrol.objects.create(
        patroller=patroller,
        region=region,
        region_code=region.code,
        date=day,
        notes=notes.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    if buildings:
        patrol.buildings.set(buildings)
    if households:
        patrol.households.set(households)
    for item in checked:
        photo = PatrolPhoto(patrol=patrol, content_type=item.content_type, size=item.size)
        photo.file.save(item.storage_name, item.upload, save=False)
        photo.save()
    return patrol


@transaction.atomic
def case_create_from_patrol(
    *,
    patrol: Patrol,
    actor,
    category: CaseCategory,
    title: str,
    description: str = "",
    urgency: str = Urgency.NORMAL,
    building: Building | None = None,
    handle_now: bool = False,
) -> Case:
    """A finding of a patrol becomes a case: place, position, notes and photos carry over."""
    if patrol.patroller_id != actor.pk and not get_scope(actor).unrestricted:
        raise PermissionDenied(_("Only the grid member who patrolled can file its findings."))
    if building is None:
        building = patrol.buildings.order_by("pk").first() if patrol.buildings.count() == 1 else None
    photos = [(p.file.name, p.content_type, p.size, "") for p in patrol.photos.all()]
    case = case_create(
        reporter=actor,
        region=patrol.region,
        category=category,
        title=title,
        description=description or patrol.notes,
        urgency=urgency,
        channel=Channel.PATROL,
        building=building,
        latitude=patrol.latitude,
        longitude=patrol.longitude,
        existing_files=photos,
        handle_now=handle_now,
        event_data={"patrol": patrol.pk},
    )
    return case


def _check_mediation_access(actor, case: Case) -> None:
    if not (access.handles_level(actor, case) or access.can_supervise(actor, case) or access.is_handler(actor, case)):
        raise PermissionDenied(_("Only the handlers of this case may keep its mediation record."))


def _check_open(mediation: Mediation) -> None:
    if mediation.concluded_at is not None:
        raise ValidationError(_("This mediation has been concluded; its record can no longer be changed."))


@transaction.atomic
def mediation_open(*, case: Case, actor, mediator=None, mediator_name: str = "", parties: list[dict]) -> Mediation:
    """Open the mediation record of a dispute, with at least two parties."""
    case = lock_case(case)
    _check_mediation_access(actor, case)
    if hasattr(case, "mediation"):
        raise ValidationError(_("This case already has a mediation record."))
    category_codes = {case.category.code, getattr(case.category.parent, "code", "")}
    if DISPUTE_CATEGORY_CODE not in category_codes:
        raise ValidationError(_("Mediation is kept for dispute cases (矛盾纠纷) only."))
    cleaned = [p for p in parties if (p.get("name") or "").strip()]
    if len(cleaned) < 2:
        raise ValidationError({"parties": [_("A dispute has at least two parties.")]})
    phone_errors = []
    for party in cleaned:
        phone = (party.get("phone") or "").strip()
        if phone:
            try:
                validate_phone(phone)
            except ValidationError as exc:
                phone_errors.extend(f"{party['name'].strip()}: {message}" for message in exc.messages)
    if phone_errors:
        raise ValidationError({"parties": phone_errors})
    mediation = Mediation.objects.create(
        case=case, mediator=mediator or actor, mediator_name=mediator_name or (mediator or actor).display_name
    )
    MediationParty.objects.bulk_create(
        [
            MediationParty(
                mediation=mediation,
                name=p["name"].strip(),
                phone=(p.get("phone") or "").strip(),
                side=(p.get("side") or "").strip(),
                resident=p.get("resident"),
            )
            for p in cleaned
        ]
    )
    save_with_event(
        case, fields=[], actor=actor, action=CaseAction.COMMENT, note=system_note("case_note.mediation_opened")
    )
    return mediation


@transaction.atomic
def mediation_add_session(
    *, mediation: Mediation, actor, held_on: dt.date, notes: str, place: str = ""
) -> MediationSession:
    _check_mediation_access(actor, mediation.case)
    _check_open(mediation)
    if not notes.strip():
        raise ValidationError({"notes": [_("Write down what was said and agreed.")]})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": [_("A session cannot be recorded for a future date.")]})
    return MediationSession.objects.create(
        mediation=mediation, held_on=held_on, notes=notes.strip(), place=place.strip(), recorded_by=actor
    )


@transaction.atomic
def mediation_conclude(
    *, mediation: Mediation, actor, outcome: str, agreement: str = "", next_step: str = ""
) -> Mediation:
    _check_mediation_access(actor, mediation.case)
    _check_open(mediation)
    errors: dict[str, list[str]] = {}
    if outcome not in MediationOutcome.values:
        errors["outcome"] = [_("Choose settled, partly settled or not settled.")]
    if outcome in {MediationOutcome.SUCCESS, MediationOutcome.PARTIAL} and not agreement.strip():
        errors["agreement"] = [_("Record the agreement that was reached.")]
    if outcome in {MediationOutcome.PARTIAL, MediationOutcome.FAILED} and not next_step.strip():
        errors["next_step"] = [_("Say where the dispute went next (e.g. people's court, legal aid).")]
    if not mediation.sessions.exists():
        errors.setdefault("__all__", []).append(_("Record at least one mediation session first."))
    if errors:
        raise ValidationError(errors)
    mediation.outcome = outcome
    mediation.agreement = agreement.strip()
    mediation.next_step = next_step.strip()
    mediation.concluded_at = timezone.now()
    mediation.save(update_fields=["outcome", "agreement", "next_step", "concluded_at"])
    case = lock_case(mediation.case_id)
    save_with_event(
        case,
        fields=[],
        actor=actor,
        action=CaseAction.COMMENT,
        note=system_note("case_note.mediation_concluded", outcome=outcome),
        data={"mediation_outcome": outcome},
    )
    return mediation
