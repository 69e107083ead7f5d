"""双报到: in-service members registered with their home community, and the service they give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Region

from ...models import DualRegistration, MemberCategory, MemberStatus, PartyMember, ServiceRecord
from .common import _check_community, _not_in_future, require_edit


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
