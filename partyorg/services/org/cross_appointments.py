"""Cross-appointments (双向进入、交叉任职) between community organisations and firms or committees."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ...models import CrossAppointment, PartyMember, PartyOrg
from .common import require_party_edit


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
