"""Deadline filters for case pages: {{ case|due_status }}, {{ case.due_at|time_left }}."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from ..due import due_status as _due_status
from ..due import duration_short

register = template.Library()


@register.filter
def due_status(case) -> str:
    return _due_status(case)


@register.filter
def time_left(value: dt.datetime | None) -> str:
    """The time between now and `value` (either way), compact: "1 小时 59 分钟"."""
    if value is None:
        return ""
    return duration_short(value - timezone.now())
