"""Admin exports (django-import-export) through the project's safe, streaming writer.

``SafeExportResource`` is the base of every export resource: each exported value goes through
``safe_cell``, whatever path calls the resource. ``StreamingExportMixin`` replaces the admin's
file export, which builds a whole tablib dataset and file in memory before sending a byte: the
rows are streamed to ``config.exports.streaming_export``. A resource that can read its rows as
plain values (``stream_rows``) skips the model instances altogether.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from import_export import resources
from import_export.signals import post_export

from .exports import safe_cell, streaming_export

CHUNK_SIZE = 2000


class SafeExportResource(resources.ModelResource):
    """An export resource whose every value is made safe for a spreadsheet."""

    def export_field(self, field, instance, **kwargs):
        return safe_cell(super().export_field(field, instance, **kwargs))

    def stream_rows(self, queryset: QuerySet) -> Iterator[list] | None:
        """Rows of the full export as plain values, or None to export through model instances."""
        return None

    def export_rows(self, queryset: QuerySet, selected_fields=None) -> Iterator[list]:
        """The rows of an export, one at a time: the fast path, or instances read in chunks."""
        queryset = self.filter_export(queryset)
        if not selected_fields:
            rows = self.stream_rows(queryset)
            if rows is not None:
                yield from rows
                return
        for instance in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield self.export_resource(instance, selected_fields=selected_fields)


class StreamingExportMixin:
    """For a ModelAdmin with import-export's ExportMixin: the chosen file is streamed as it is written."""

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request, export_form=export_form))
        selected = self.get_export_resource_fields_from_form(export_form)
        header = resource.get_export_headers(selected_fields=selected)
        if isinstance(resource, SafeExportResource):
            rows = resource.export_rows(queryset, selected_fields=selected)
        else:
            rows = iter(resource.export(queryset=queryset, export_fields=selected))
        filename = self.get_export_filename(request, queryset, file_format)
        response = streaming_export(filename, file_format.get_extension(), header, rows)
        post_export.send(sender=None, model=self.model)
        return response
