"""Checking a file: its rows streamed, cleaned in Python, resolved against the database a batch at a
time, and written to the staging table in bulk (COPY on PostgreSQL); then the checks that need the
whole file (duplicate keys) run as SQL over the staged rows.

Nothing of the ledger is written here. Progress (rows done, rate) is saved on the job after each
batch, and a cancel request is honoured between batches.
"""

from __future__ import annotations

import time
from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from config.bulk import insert_rows

from ..cells import number_text
from ..errors import CellError, ImportFileError
from ..kinds import Pending, get_kind
from ..models import ImportJob, JobState, RowStatus, StagedRow
from ..reading import open_table
from ..storage import path_of

STAGED_FIELDS = ("job", "number", "key", "data", "status", "errors", "target_id", "before")


class Cancelled(Exception):
    pass


def cell_text(value) -> str:
    if value is None or isinstance(value, CellError):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return number_text(value)


def _stage(job: ImportJob, rows: list[Pending]) -> None:
    insert_rows(
        StagedRow,
        STAGED_FIELDS,
        (
            (
                job.pk,
                row.number,
                row.key[:64],
                row.data if not row.errors else None,
                RowStatus.WRONG if row.errors else row.status,
                "\n".join(row.errors),
                row.target_id,
                row.before,
            )
            for row in rows
        ),
    )


def _progress(job: ImportJob, **values) -> None:
    """Save progress on the job and see whether the user cancelled."""
    ImportJob.objects.filter(pk=job.pk).update(**values)
    if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
        raise Cancelled


def check_job(job: ImportJob) -> ImportJob:
    """Check the job's file into the staging table and count the verdicts. Returns the job, saved."""
    kind = get_kind(job.kind)
    started = time.perf_counter()
    StagedRow.objects.filter(job=job).delete()
    job.state, job.started_at, job.message = JobState.CHECKING, timezone.now(), ""
    job.done_rows = job.total_rows = 0
    job.save(update_fields=["state", "started_at", "message", "done_rows", "total_rows"])
    try:
        with open_table(path_of(job.stored_file), job.file_name) as table:
            context = kind.context(job)
            batch: list[Pending] = []
            done = 0
            for number, values in table.rows():
                raw = {key: values[index] if index < len(values) else None for key, index in job.mapping.items()}
                row = Pending(number=number, raw=raw)
                kind.clean(row, context)
                batch.append(row)
                if len(batch) >= kind.batch_size:
                    done += _flush(job, kind, batch, context)
                    _progress(job, done_rows=done)
            done += _flush(job, kind, batch, context)
        _mark_duplicates(job, kind)
    except Cancelled:
        StagedRow.objects.filter(job=job).delete()
        job.refresh_from_db()
        job.state = JobState.CANCELLED
        job.save(update_fields=["state"])
        return job
    except ImportFileError as exc:
        StagedRow.objects.filter(job=job).delete()
        job.state, job.message = JobState.FAILED, str(exc)
        job.save(update_fields=["state", "message"])
        return job
    counts = dict(
        StagedRow.objects.filter(job=job).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    job.refresh_from_db()
    job.total_rows = job.done_rows = sum(counts.values())
    job.new_rows = counts.get(RowStatus.NEW, 0)
    job.changed_rows = counts.get(RowStatus.CHANGED, 0)
    job.unchanged_rows = counts.get(RowStatus.UNCHANGED, 0)
    job.wrong_rows = counts.get(RowStatus.WRONG, 0)
    job.state, job.checked_at = JobState.CHECKED, timezone.now()
    job.check_seconds = time.perf_counter() - started
    if not job.total_rows:
        job.state, job.message = JobState.FAILED, _("The file has column names but no rows below them.")
    job.save()
    return job


def _flush(job: ImportJob, kind, batch: list[Pending], context) -> int:
    if not batch:
        return 0
    ready = [row for row in batch if not row.errors]
    if ready:
        kind.resolve(ready, context)
    with transaction.atomic():
        _stage(job, batch)
    count = len(batch)
    batch.clear()
    return count


def _mark_duplicates(job: ImportJob, kind) -> None:
    """Rows of the file that share a natural key are all wrong: each names the others."""
    keys = (
        StagedRow.objects.filter(job=job)
        .exclude(key="")
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("key")
    )
    rows = list(StagedRow.objects.filter(job=job, key__in=keys).only("id", "key", "number", "errors", "status"))
    if not rows:
        return
    numbers: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        numbers[row.key].append(row.number)
    label = next((str(c.label) for c in kind.columns if c.key == kind.key_column), kind.key_column)
    for row in rows:
        others = "、".join(str(n) for n in sorted(numbers[row.key]) if n != row.number)
        message = _("Row %(rows)s of the file has the same %(column)s; keep one of them.") % {
            "rows": others,
            "column": label,
        }
        row.errors = "\n".join(filter(None, [row.errors, message]))
        row.status = RowStatus.WRONG
        row.data = None
    StagedRow.objects.bulk_update(rows, ["errors", "status", "data"], batch_size=1000)


def wrong_rows_as_written(job: ImportJob, *, chunk: int = 2000):
    """(cells as the user wrote them, what is wrong) of each wrong row, in file order: the file is read
    again beside the staged verdicts, so the staging table never holds the cells of every row."""
    verdicts = (
        StagedRow.objects.filter(job=job, status=RowStatus.WRONG)
        .order_by("number")
        .values_list("number", "errors")
        .iterator(chunk_size=chunk)
    )
    wanted = next(verdicts, None)
    if wanted is None:
        return
    with open_table(path_of(job.stored_file), job.file_name) as table:
        for number, values in table.rows():
            if number != wanted[0]:
                continue
            yield [cell_text(value) for value in values], wanted[1]
            wanted = next(verdicts, None)
            if wanted is None:
                return
