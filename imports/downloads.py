"""Files of the import centre: templates to fill in, the workbook of wrong rows, and exports of a roster
in its template's columns (so that an export imports back unchanged)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import get_scope
from config.exports import XLSX_TYPE, attachment, streaming_export

from .kinds import get_kind
from .models import JobState
from .pipeline.check import wrong_rows_as_written
from .views import CONTENT_TYPES, ERROR_CHUNK_ROWS, _job, _require_importer
from .workbook import FORMATS, TEMPLATE_LANGUAGE, error_workbook_chunks, template_chunks


@login_required
@require_GET
def template(request, kind: str, fmt: str):
    """The template of a roster type to fill in, XLSX or CSV, streamed."""
    _require_importer(request.user)
    roster = get_kind(kind)
    if roster is None or fmt not in FORMATS:
        raise Http404
    with translation.override(TEMPLATE_LANGUAGE):
        filename = _("%(title)s template") % {"title": roster.title} + f".{fmt}"
    chunks = template_chunks(roster.columns, roster.example, fmt, title=roster.title)
    return attachment(StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt]), filename)


@login_required
@require_GET
def error_workbook(request, pk: int):
    """The wrong rows as the user wrote them, with a last column saying what is wrong, streamed."""
    job = _job(request, pk)
    kind = get_kind(job.kind)
    if job.state not in (JobState.CHECKED, JobState.APPLYING) or not job.wrong_rows:
        raise Http404
    text_columns = [job.mapping[column.key] for column in kind.columns if column.text and column.key in job.mapping]
    if not job.stored_file:
        raise Http404
    rows = wrong_rows_as_written(job, chunk=ERROR_CHUNK_ROWS)
    chunks = error_workbook_chunks(job.headers, rows, text_columns=text_columns)
    stem = job.file_name.rsplit(".", 1)[0] or "roster"
    filename = _("%(name)s - rows to correct") % {"name": stem} + ".xlsx"
    return attachment(StreamingHttpResponse(chunks, content_type=XLSX_TYPE), filename)


@login_required
@require_GET
def export(request, kind: str, fmt: str):
    """The rows of a roster the user may see, in its template's columns, streamed. ID numbers and phones
    are masked unless the user is an administrator (whose export can be imported back as it is)."""
    _require_importer(request.user)
    roster = get_kind(kind)
    if roster is None or fmt not in FORMATS:
        raise Http404
    full = get_scope(request.user).unrestricted
    rows = roster.export_rows(roster.export_queryset(request.user), full=full)
    stamp = timezone.localtime().strftime("%Y%m%d")
    return streaming_export(f"{roster.title}-{stamp}.{fmt}", fmt, roster.export_header(), rows)
