"""Checks shared by the 双报到, co-building and 书记领办 writes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Region, RegionLevel

from ...models import scoping


def require_edit(actor, code: str) -> None:
    scoping.require_party_edit(actor, code, _("Your role may not edit Party records here."))


def _check_community(community: Region, field: str = "community") -> None:
    if community.level != RegionLevel.COMMUNITY:
        raise ValidationError({field: _("Choose a community.")})


def _not_in_future(value: dt.date | None, field: str, errors: dict) -> None:
    if value is not None and value > timezone.localdate():
        errors.setdefault(field, []).append(_("This date is in the future."))
