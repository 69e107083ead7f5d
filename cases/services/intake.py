"""Filing a case: validation, numbering, photos and duplicate hints (repeat reports: see records.py)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Building, Estate, Household, Region, RegionLevel
from grids.validators import validate_phone
from notifications.messages import message

from ..messages import note as system_note
from ..models import (
    Attachment,
    Case,
    CaseAction,
    CaseCategory,
    CaseEvent,
    CaseLevel,
    CaseNumberCounter,
    CaseState,
    Channel,
    Urgency,
)
from ..models.choices import OPEN_STATES
from ..workcal import WorkingTime
from . import access
from .acceptance import case_dispatch
from .clock import clock_start
from .common import case_title, lock_case, notify_case, save_with_event
from .uploads import CheckedUpload, check_uploads

# Channels where a worker files on a resident's behalf and must name them.
ON_BEHALF_CHANNELS = {Channel.RESIDENT, Channel.HOTLINE}
DUPLICATE_WINDOW = dt.timedelta(days=7)
DUPLICATE_RADIUS_M = 100


def case_number_next(*, county_code: str, year: int) -> str:
    """The next readable number: county code, year, six-digit sequence (640302-2026-000123)."""
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(county_code=county_code, year=year)
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{county_code}-{year}-{counter.last:06d}"


def _check_place(
    *, region: Region, estate: Estate | None, building: Building | None, household: Household | None
) -> tuple[Region, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if region.level not in {RegionLevel.GRID, RegionLevel.MICROGRID}:
        errors.setdefault("region", []).append(_("Choose a grid or micro-grid."))
        return region, errors
    if not region.is_current:
        errors.setdefault("region", []).append(_("This grid is no longer in use; choose its successor."))
    grid_code = region.code[:15]
    if household is not None:
        if building is None:
            building = household.unit.building
        elif household.unit.building_id != building.pk:
            errors.setdefault("household", []).append(_("This household is not in the chosen building."))
    if building is not None:
        if not building.region_code.startswith(grid_code):
            errors.setdefault("building", []).append(_("This building is not in the chosen grid."))
        elif len(building.region_code) > len(region.code):
            region = building.region  # file the case at the deepest place known
        if estate is not None and building.estate_id != estate.pk:
            errors.setdefault("estate", []).append(_("This building is not in the chosen estate."))
    return region, errors


def _check_position(latitude, longitude) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (latitude is None) != (longitude is None):
        errors.setdefault("latitude", []).append(_("Give both latitude and longitude, or neither."))
    elif latitude is not None:
        if not (Decimal(3) <= Decimal(latitude) <= Decimal(54)):
            errors.setdefault("latitude", []).append(_("The latitude is outside China (3° to 54° north)."))
        if not (Decimal(73) <= Decimal(longitude) <= Decimal(136)):
            errors.setdefault("longitude", []).append(_("The longitude is outside China (73° to 136° east)."))
    return errors


def attachments_store(*, case: Case, actor, checked: list[CheckedUpload]) -> list[Attachment]:
    saved = []
    for item in checked:
        attachment = Attachment(
            case=case,
            kind=item.kind,
            content_type=item.content_type,
            size=item.size,
            original_name=(item.upload.name or "")[:200],
            uploaded_by=actor,
        )
        attachment.file.save(item.storage_name, item.upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def case_create(
    *,
    reporter,
    region: Region,
    category: CaseCategory,
    title: str,
    description: str = "",
    urgency: str = Urgency.NORMAL,
    channel: str = Channel.PATROL,
    reporter_name: str = "",
    reporter_phone: str = "",
    estate: Estate | None = None,
    building: Building | None = None,
    household: Household | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    address: str = "",
    uploads=None,
    handle_now: bool = False,
    existing_files: list[tuple[str, str, int, str]] | None = None,
    event_data: dict | None = None,
) -> Case:
    """File a case at grid level; with handle_now a grid member takes it on the spot.

    existing_files: (storage name, content type, size, original name) of files already stored
    (a patrol's photos) that the case should show too.
    """
    if not access.can_file_at(reporter, region.code):
        raise PermissionDenied(_("You may file cases only in your own places."))
    region, errors = _check_place(region=region, estate=estate, building=building, household=household)
    if building is not None and estate is None:
        estate = building.estate
    errors.update(_check_position(latitude, longitude))
    if not category.is_active or category.parent_id is None:
        errors.setdefault("category", []).append(_("Choose a specific subcategory that is in use."))
    if channel in ON_BEHALF_CHANNELS and not reporter_name.strip():
        errors.setdefault("reporter_name", []).append(_("Give the name of the resident who reported it."))
    if reporter_phone:
        try:
            validate_phone(reporter_phone)
        except ValidationError as exc:
            errors.setdefault("reporter_phone", []).extend(exc.messages)
    try:
        checked = check_uploads(uploads)
    except ValidationError as exc:
        errors.setdefault("uploads", []).extend(exc.messages)
        checked = []
    now = timezone.now()
    case = Case(
        title=title.strip(),
        description=description.strip(),
        category=category,
        urgency=urgency,
        channel=channel,
        reporter=reporter,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(),
        region=region,
        region_code=region.code,
        estate=estate,
        building=building,
        household=household,
        latitude=latitude,
        longitude=longitude,
        address=address.strip(),
        level=CaseLevel.GRID,
        state=CaseState.SUBMITTED,
        created_at=now,
        updated_at=now,
        number="pending",
    )
    try:
        case.full_clean(exclude=["number", "region_code", *errors.keys()])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    wt = WorkingTime.load()
    clock_start(case, stage="accept", start=now, wt=wt)
    case.number = case_number_next(county_code=region.code[:6], year=timezone.localtime(now).year)
    case.save()
    CaseEvent.objects.create(
        case=case,
        actor=reporter,
        action=CaseAction.SUBMIT,
        to_state=case.state,
        to_level=case.level,
        created_at=now,
        data=event_data or {},
    )
    attachments_store(case=case, actor=reporter, checked=checked)
    for storage_name, content_type, size, original in existing_files or []:
        Attachment.objects.create(
            case=case,
            kind="photo" if content_type.startswith("image/") else "file",
            file=storage_name,
            content_type=content_type,
            size=size,
            original_name=original,
            uploaded_by=reporter,
        )
    if handle_now and access.handles_level(reporter, case):
        return case_dispatch(
            case=case, actor=reporter, handler=reporter, note=system_note("case_note.handled_on_the_spot")
        )
    notify_case(
        case,
        access.handler_ids_for(level=case.level, region_code=case.region_code),
        message("case.new_in_grid", title=case_title(case)),
        skip=reporter,
    )
    return case


def _distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def duplicate_candidates(
    *,
    user,
    category: CaseCategory,
    building: Building | None = None,
    latitude=None,
    longitude=None,
    now: dt.datetime | None = None,
    limit: int = 5,
) -> list[Case]:
    """Open cases of the same category in the same building or within 100 m, filed in the last 7 days."""
    if building is None and (latitude is None or longitude is None):
        return []
    since = (now or timezone.now()) - DUPLICATE_WINDOW
    base = Case.objects.visible_to(user).filter(category=category, state__in=OPEN_STATES, created_at__gte=since)
    found: dict[int, Case] = {}
    if building is not None:
        for case in base.filter(building=building).order_by("-created_at")[:limit]:
            found[case.pk] = case
    if latitude is not None and longitude is not None:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
        # A box a little larger than 100 m around the point, then the exact distance.
        dlat = Decimal("0.0010")
        dlon = Decimal(str(round(0.0010 / max(math.cos(math.radians(float(lat))), 0.1), 6)))
        box = base.filter(latitude__range=(lat - dlat, lat + dlat), longitude__range=(lon - dlon, lon + dlon)).order_by(
            "-created_at"
        )[:50]
        for case in box:
            if _distance_m(lat, lon, case.latitude, case.longitude) <= DUPLICATE_RADIUS_M:
                found.setdefault(case.pk, case)
    return sorted(found.values(), key=lambda c: c.created_at, reverse=True)[:limit]


@transaction.atomic
def attachments_add(*, case: Case, actor, uploads, expected_version: int | None = None) -> list[Attachment]:
    case = lock_case(case, expected_version=expected_version)
    if "attach" not in access.allowed_actions(actor, case):
        raise PermissionDenied(_("You may not add files to this case."))
    checked = check_uploads(uploads, already=case.attachments.count())
    if not checked:
        raise ValidationError({"uploads": [_("Choose at least one file.")]})
    saved = attachments_store(case=case, actor=actor, checked=checked)
    save_with_event(
        case,
        fields=[],
        actor=actor,
        action=CaseAction.ATTACH,
        data={"attachments": [a.pk for a in saved]},
    )
    return saved
