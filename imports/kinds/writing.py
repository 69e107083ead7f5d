"""What every roster's writer shares: the staged rows a batch at a time, and the message refusing an undo."""

from __future__ import annotations

from itertools import islice

from django.utils.translation import gettext as _

from ..models import RowStatus, StagedRow

BATCH = 5000
CHANGE_FIELDS = ("job", "number", "model", "object_id", "action", "before", "after")
LIST_LIMIT = 20


def staged_batches(job, statuses=(RowStatus.NEW, RowStatus.CHANGED)):
    """The job's staged rows of these statuses as (number, data, target_id, before), BATCH at a time."""
    rows = (
        StagedRow.objects.filter(job=job, status__in=list(statuses))
        .order_by("number")
        .values_list("number", "data", "target_id", "before")
        .iterator(chunk_size=BATCH)  # one query, read through a server-side cursor
    )
    while chunk := list(islice(rows, BATCH)):
        yield chunk


def conflict_message(numbers) -> list[str]:
    """The message refusing an undo because of the rows ``numbers`` (none: no message)."""
    numbers = sorted(set(numbers))
    if not numbers:
        return []
    message = _("These rows were changed in the ledger after the import, so it cannot be undone: row %(rows)s.") % {
        "rows": "、".join(str(n) for n in numbers[:LIST_LIMIT])
    }
    if len(numbers) > LIST_LIMIT:
        message += " " + _("And %(count)s more.") % {"count": len(numbers) - LIST_LIMIT}
    return [message]
