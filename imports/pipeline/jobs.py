"""The life of an import job: started from an upload, checked, applied in one transaction, undone.

Checking and applying run in the Celery worker (``imports.tasks``); these functions are what the
tasks and the pages call. Applying and undoing hold a lock per roster type, so two imports of
overlapping files never interleave: the second waits, then finds the ledger changed since its own
check and stops with a message instead of overwriting (``Stale``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import zlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.scoping import get_scope

from ..errors import ImportFileError
from ..headers import HeaderMatch, correct_mapping, match_headers
from ..kinds import get_kind
from ..models import ApplyMode, ImportJob, JobState, StagedRow
from ..reading import open_table
from ..storage import path_of, remove, save_upload
from .stale import Stale

IMPORT_ROLES = (Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_WORKER)
PROGRESS_TTL = 6 * 3600
APPLY_LOCK, CHECK_LOCK = 0x494D, 0x494E  # advisory lock classes: per roster type, per job
LOST_TASK_MINUTES = 10


def allowed_prefixes(user) -> list[str]:
    """Where the user may import: [""] for everywhere, else the places where they hold an importing role."""
    scope = get_scope(user)
    if scope.unrestricted:
        return [""]
    return list(scope.prefixes(IMPORT_ROLES))


def can_import(user) -> bool:
    return bool(allowed_prefixes(user))


def visible_jobs(user):
    """An admin sees every import; others see their own."""
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if get_scope(user).unrestricted else jobs.filter(created_by=user)


def start_import(*, user, kind: str, upload, place_code: str = "") -> tuple[ImportJob, HeaderMatch]:
    """Store the uploaded file, read its column names and match them. Raises ValidationError."""
    roster = get_kind(kind)
    if roster is None:
        raise ValidationError({"kind": _("Choose a roster type.")})
    prefixes = allowed_prefixes(user)
    if not prefixes:
        raise ValidationError(_("You may not import rosters."))
    place_code = (place_code or "").strip()
    if place_code and not any(place_code.startswith(p) for p in prefixes):
        raise ValidationError({"place_code": _("This place is not in your area.")})
    if not place_code and prefixes != [""] and len(prefixes) == 1:
        place_code = prefixes[0]
    stored, digest, size = save_upload(upload)
    try:
        with open_table(path_of(stored), upload.name) as table:
            headers = list(table.headers)
    except ImportFileError as exc:
        remove(stored)
        raise ValidationError({"file": str(exc)}) from exc
    found = match_headers(headers, roster.columns)
    job = ImportJob.objects.create(
        kind=kind,
        created_by=user,
        place_code=place_code,
        allowed_prefixes=prefixes,
        file_name=upload.name[:255],
        sha256=digest,
        size=size,
        stored_file=stored,
        headers=headers,
        mapping=found.mapping,
    )
    return job, found


def set_mapping(job: ImportJob, corrections: dict) -> HeaderMatch:
    """The user's choice of columns, checked; saved when it holds."""
    roster = get_kind(job.kind)
    found = correct_mapping(job.headers, roster.columns, corrections, base=job.mapping)
    if found.ok:
        job.mapping = found.mapping
        job.save(update_fields=["mapping"])
    return found


def mapping_of(job: ImportJob) -> HeaderMatch:
    roster = get_kind(job.kind)
    return correct_mapping(job.headers, roster.columns, {}, base=job.mapping)


@contextlib.contextmanager
def checker_lock(job_id: int):
    """Held (on PostgreSQL) by the worker while it checks the job: a dead worker's lock goes with its
    connection, so a job left checking by a lost task can be cancelled or checked again."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [CHECK_LOCK, job_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [CHECK_LOCK, job_id])


def _checker_alive(job: ImportJob) -> bool:
    """Whether a worker is checking the job, or may still pick up its queued check (always assumed on
    SQLite, where no lock tells)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [CHECK_LOCK, job.pk])
        (free,) = cursor.fetchone()
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [CHECK_LOCK, job.pk])
    queued = job.started_at is not None and timezone.now() - job.started_at < dt.timedelta(minutes=LOST_TASK_MINUTES)
    return not free or queued


def begin_check(job: ImportJob) -> None:
    from ..tasks import check_import

    lost = job.state == JobState.CHECKING and not _checker_alive(job)
    if (job.state not in (JobState.UPLOADED, JobState.CHECKED, JobState.FAILED) and not lost) or not job.stored_file:
        raise ValidationError(_("This import cannot be checked now."))
    if not mapping_of(job).ok:
        raise ValidationError(mapping_of(job).errors)
    job.state, job.message, job.cancel_requested, job.done_rows = JobState.CHECKING, "", False, 0
    job.started_at = timezone.now()  # queued now; the worker sets it again when it starts
    job.save(update_fields=["state", "message", "cancel_requested", "done_rows", "started_at"])
    transaction.on_commit(lambda: check_import.apply_async((job.pk,), queue=settings.IMPORTS_QUEUE))


def request_cancel(job: ImportJob) -> None:
    if job.state in (JobState.UPLOADED, JobState.CHECKED, JobState.FAILED):
        finish(job, JobState.CANCELLED)
    elif job.state == JobState.CHECKING:
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        if not _checker_alive(job):  # its task was lost: nobody will see the request
            finish(job, JobState.CANCELLED)
    else:
        raise ValidationError(_("This import cannot be cancelled now."))


def finish(job: ImportJob, state: str) -> None:
    """Leave the job in a final state: its staged rows and its file are removed."""
    StagedRow.objects.filter(job=job).delete()
    remove(job.stored_file)
    job.state, job.stored_file = state, ""
    job.save(update_fields=["state", "stored_file"])


def begin_apply(job: ImportJob, *, mode: str, user) -> None:
    from ..tasks import apply_import

    if mode not in ApplyMode.values:
        raise ValidationError({"mode": _("Choose how to apply the import.")})
    if job.state not in (JobState.CHECKED, JobState.APPLYING):
        raise ValidationError(_("Only a checked import can be applied."))
    if mode == ApplyMode.ALL and job.wrong_rows:
        raise ValidationError(
            _(
                "%(count)s rows are wrong. Correct them in the error workbook and upload it again, or choose to "
                "import the correct rows only."
            )
            % {"count": job.wrong_rows}
        )
    if not job.new_rows and not job.changed_rows:
        raise ValidationError(_("Nothing to apply: every correct row is already in the ledger as it is."))
    # Only from the state just read: a run that finished meanwhile is not started again.
    updated = ImportJob.objects.filter(pk=job.pk, state=job.state).update(
        state=JobState.APPLYING, mode=mode, applied_by=user, message=""
    )
    if not updated:
        raise ValidationError(_("This import has just changed; reload the page."))
    job.state, job.mode, job.applied_by, job.message = JobState.APPLYING, mode, user, ""
    cache.delete(progress_key(job.pk))
    transaction.on_commit(lambda: apply_import.apply_async((job.pk,), queue=settings.IMPORTS_QUEUE))


def _lock(kind: str, *, wait: bool = True) -> bool:
    """One applying or undoing import per roster type at a time (until the transaction ends).
    With ``wait=False``, answer False at once when another holds it."""
    if connection.vendor != "postgresql":
        return True
    key = [APPLY_LOCK, zlib.crc32(kind.encode()) & 0x7FFFFFFF]
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", key)
        return cursor.fetchone()[0]


def progress_key(job_id: int) -> str:
    return f"imports:{job_id}:written"


def written_so_far(job: ImportJob) -> int | None:
    return cache.get(progress_key(job.pk)) if job.state == JobState.APPLYING else None


def run_apply(job_id: int) -> ImportJob:
    """Apply a job in one transaction: everything, or (if anything fails or the worker dies) nothing."""
    started = time.perf_counter()
    roster = None
    try:
        with transaction.atomic():
            job = ImportJob.objects.get(pk=job_id)
            roster = get_kind(job.kind)
            _lock(job.kind)
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.state != JobState.APPLYING:
                return job  # applied already (a redelivered task), or cancelled
            written = roster.apply(job, lambda n: cache.set(progress_key(job_id), n, PROGRESS_TTL))
            job.written_rows, job.applied_at = written, timezone.now()
            job.apply_seconds = time.perf_counter() - started
            job.state = JobState.APPLIED
            job.save()
            StagedRow.objects.filter(job=job).delete()
            stored, job.stored_file = job.stored_file, ""
            job.save(update_fields=["stored_file"])
            transaction.on_commit(lambda: remove(stored))
    except Stale as exc:
        shown = "、".join(str(n) for n in exc.rows[:20])
        ImportJob.objects.filter(pk=job_id).update(
            state=JobState.FAILED,
            message=_(
                "The ledger changed after this file was checked (row %(rows)s), so nothing was written. Check the "
                "file again to see the changes as they are now."
            )
            % {"rows": shown},
        )
    return ImportJob.objects.get(pk=job_id)


def undo(job: ImportJob, *, user) -> list[str]:
    """Undo an applied import in one transaction; or, when rows changed since, the messages naming them."""
    with transaction.atomic():
        if not _lock(job.kind, wait=False):
            return [_("Another import of this roster type is being applied or undone; try again in a moment.")]
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != JobState.APPLIED:
            return [_("Only an applied import can be undone.")]
        messages = get_kind(job.kind).undo(job)
        if messages:
            return messages
        job.state, job.undone_at = JobState.UNDONE, timezone.now()
        job.save(update_fields=["state", "undone_at"])
    return []
