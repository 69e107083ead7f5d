"""Pages of the import centre.

The index lists the user's imports and takes a new file; an import's page follows it through its
states: the choice of columns (uploaded), progress polled every second (checking, applying), the
preview of what it would change and how to apply it (checked), and undo (applied). Checking and
applying run in the Celery worker (``imports.tasks``); these views only start, cancel and show them.

Who may import is ``can_import`` (403 otherwise); an import the user may not see answers 404, like
a missing one. Starting, cancelling and applying lock the job's row first, so a double click starts
nothing twice; the lock does not wait, so while the worker holds the row (applying) they answer at once.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.exports import CSV_TYPE, XLSX_TYPE
from grids.models import Region

from .forms import ApplyForm, MappingForm, UploadForm
from .kinds import all_kinds, get_kind
from .models import ImportJob, JobState, RowStatus, StagedRow
from .pipeline.jobs import (
    allowed_prefixes,
    begin_apply,
    begin_check,
    can_import,
    mapping_of,
    request_cancel,
    set_mapping,
    start_import,
    undo,
    visible_jobs,
    written_so_far,
)

JOBS_PER_PAGE = 25
PREVIEW_PER_PAGE = 50
WRONG_SHOWN = 50
NEW_EXAMPLES = 5
ERROR_CHUNK_ROWS = 2000
POLLING_STATES = (JobState.CHECKING, JobState.APPLYING)
BADGES = {
    JobState.UPLOADED: "text-bg-secondary",
    JobState.CHECKING: "text-bg-info",
    JobState.CHECKED: "text-bg-primary",
    JobState.APPLYING: "text-bg-info",
    JobState.APPLIED: "text-bg-success",
    JobState.UNDONE: "text-bg-dark",
    JobState.FAILED: "text-bg-danger",
    JobState.CANCELLED: "text-bg-light border",
}
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": CSV_TYPE}


def _require_importer(user) -> None:
    if not can_import(user):
        raise PermissionDenied(_("You may not import rosters."))


class Busy(Exception):
    """The import's row is locked: it is being applied (which may take minutes) or undone."""


def _job(request, pk: int, *, lock: bool = False) -> ImportJob:
    """The import if the user may see it (404 otherwise); locked for the transaction when asked.

    The lock does not wait: a request arriving while the worker holds the row is refused (``Busy``)
    instead of waiting for the whole apply to end.
    """
    _require_importer(request.user)
    jobs = visible_jobs(request.user)
    if not lock:
        return get_object_or_404(jobs, pk=pk)
    try:
        return get_object_or_404(jobs.select_for_update(of=("self",), nowait=True), pk=pk)
    except OperationalError as error:
        raise Busy from error


def _refused_when_busy(view):
    @wraps(view)
    def wrapped(request, pk: int):
        try:
            return view(request, pk)
        except Busy:
            messages.error(
                request, _("This import is being written or undone right now. Try again when it has finished.")
            )
            return redirect("imports:job", pk)

    return wrapped


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _flash(request, error: ValidationError) -> None:
    """Show a refusal of the pipeline on the next page."""
    for message in _messages_of(error):
        messages.error(request, message)


class JobRow:
    """An import as a line of the list: the job and what the template shows beside it."""

    def __init__(self, job: ImportJob):
        self.job = job

    @cached_property
    def kind_label(self) -> str:
        kind = get_kind(self.job.kind)
        return str(kind.label) if kind else self.job.kind

    @property
    def badge(self) -> str:
        return BADGES.get(self.job.state, "text-bg-secondary")


def _place_choices(user) -> list[tuple[str, str]]:
    """The places a user with several importing places may narrow an import to."""
    prefixes = [prefix for prefix in allowed_prefixes(user) if prefix]
    if len(prefixes) < 2:
        return []
    return [
        (region.code, f"{region.name} · {region.code}")
        for region in Region.objects.filter(code__in=prefixes).order_by("code")
    ]


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# ---------------------------------------------------------------- the list and the upload


@login_required
def index(request):
    """The user's imports (an administrator's: everyone's), the upload form and the templates."""
    user = request.user
    _require_importer(user)
    kinds = all_kinds()
    places = _place_choices(user)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, kinds=kinds, places=places)
        if form.is_valid():
            try:
                job, found = start_import(
                    user=user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    place_code=form.cleaned_data.get("place_code", ""),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                for message in found.duplicates:
                    messages.warning(request, message)
                return redirect("imports:job", job.pk)
    else:
        form = UploadForm(kinds=kinds, places=places)
    page = Paginator(visible_jobs(user), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "kinds": kinds,
            "page_obj": page,
            "rows": [JobRow(job) for job in page.object_list],
        },
    )


# ---------------------------------------------------------------- one import


def _progress(job: ImportJob) -> dict:
    """Rows done and the rate while checking (the total is unknown until the file is read to its
    end); rows written of those to write while applying."""
    if job.state == JobState.CHECKING:
        done = job.done_rows
        elapsed = (timezone.now() - job.started_at).total_seconds() if job.started_at and done else 0
        return {
            "done": done,
            "total": None,
            "percent": None,
            "rate": round(done / elapsed) if elapsed > 0 else None,
            "waiting": not done,
        }
    total = job.new_rows + job.changed_rows
    written = written_so_far(job) or 0
    return {
        "done": written,
        "total": total,
        "percent": min(100, round(100 * written / total)) if total else 0,
        "rate": None,
        "waiting": False,
    }


def _examples(job: ImportJob, kind, user, status: int, rows) -> list[dict]:
    return [
        {
            "number": row.number,
            "key": kind.display_key(row.key),
            "changes": kind.changes(row.data, row.before if status == RowStatus.CHANGED else None, user=user),
        }
        for row in rows
    ]


class KnownCountPaginator(Paginator):
    """A paginator told its count (the job counted its rows when the check ended)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _checked(request, job: ImportJob, kind) -> dict:
    staged = StagedRow.objects.filter(job=job).order_by("number")
    fields = ("number", "key", "data", "before")
    changed_page = KnownCountPaginator(
        staged.filter(status=RowStatus.CHANGED).only(*fields), PREVIEW_PER_PAGE, count=job.changed_rows
    ).get_page(request.GET.get("page"))
    new_rows = staged.filter(status=RowStatus.NEW).only(*fields)[:NEW_EXAMPLES]
    wrong = staged.filter(status=RowStatus.WRONG).only("number", "errors")[:WRONG_SHOWN]
    return {
        "changed_page": changed_page,
        "changed": _examples(job, kind, request.user, RowStatus.CHANGED, changed_page.object_list),
        "new_examples": _examples(job, kind, request.user, RowStatus.NEW, new_rows),
        "wrong": [{"number": row.number, "errors": row.errors.splitlines()} for row in wrong],
        "to_write": job.new_rows + job.changed_rows,
        "key_label": next((column.label for column in kind.columns if column.key == kind.key_column), ""),
    }


def _job_context(request, job: ImportJob, *, mapping_form=None, found=None, apply_form=None, errors=()) -> dict:
    kind = get_kind(job.kind)
    context = {
        "job": job,
        "kind": kind,
        "kind_label": kind.label if kind else job.kind,
        "badge": BADGES.get(job.state, "text-bg-secondary"),
        "errors": list(errors),
        "can_cancel": job.state in (JobState.UPLOADED, JobState.CHECKING, JobState.CHECKED, JobState.FAILED),
    }
    if job.place_code:
        context["place"] = Region.objects.filter(code=job.place_code).first()
    if job.state == JobState.UPLOADED:
        found = found or mapping_of(job)
        context["found"] = found
        context["mapping_form"] = mapping_form or MappingForm(
            columns=kind.columns, headers=job.headers, mapping=job.mapping
        )
    elif job.state in POLLING_STATES:
        context["progress"] = _progress(job)
    elif job.state == JobState.CHECKED:
        context.update(_checked(request, job, kind))
        context["apply_form"] = apply_form or ApplyForm()
    return context


@login_required
@require_GET
@never_cache
def job_detail(request, pk: int):
    job = _job(request, pk)
    return render(request, "imports/job.html", _job_context(request, job))


@login_required
@require_GET
@never_cache
def progress(request, pk: int):
    """The progress panel, polled every second; once the job has moved on, the whole page reloads."""
    job = _job(request, pk)
    if job.state in POLLING_STATES:
        return render(request, "imports/_progress.html", {"job": job, "progress": _progress(job)})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("imports:job", job.pk)


@login_required
@require_POST
@_refused_when_busy
def check(request, pk: int):
    """Save the chosen columns (while the file is only uploaded) and start checking the file."""
    with transaction.atomic():
        job = _job(request, pk, lock=True)
        kind = get_kind(job.kind)
        if job.state == JobState.UPLOADED:
            form = MappingForm(request.POST, columns=kind.columns, headers=job.headers, mapping=job.mapping)
            if not form.is_valid():
                return render(request, "imports/job.html", _job_context(request, job, mapping_form=form))
            found = set_mapping(job, form.corrections())
            if not found.ok:
                return render(request, "imports/job.html", _job_context(request, job, mapping_form=form, found=found))
        try:
            begin_check(job)
        except ValidationError as error:
            _flash(request, error)
    return redirect("imports:job", job.pk)


@login_required
@require_POST
@_refused_when_busy
def cancel(request, pk: int):
    with transaction.atomic():
        job = _job(request, pk, lock=True)
        try:
            request_cancel(job)
        except ValidationError as error:
            _flash(request, error)
    return redirect("imports:job", job.pk)


@login_required
@require_POST
@_refused_when_busy
def apply(request, pk: int):
    """Write the checked rows: all of them (refused when any is wrong) or the correct ones only."""
    with transaction.atomic():
        job = _job(request, pk, lock=True)
        form = ApplyForm(request.POST)
        if form.is_valid():
            try:
                begin_apply(job, mode=form.cleaned_data["mode"], user=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect("imports:job", job.pk)
        if job.state == JobState.CHECKED:
            return render(request, "imports/job.html", _job_context(request, job, apply_form=form))
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("imports:job", job.pk)


@login_required
@require_POST
def undo_job(request, pk: int):
    job = _job(request, pk)
    refused = undo(job, user=request.user)
    if refused:
        job.refresh_from_db()
        return render(request, "imports/job.html", _job_context(request, job, errors=refused))
    messages.success(request, _("The import has been undone."))
    return redirect("imports:job", job.pk)
