"""The row error of the roster imports that run through django-import-export (the Party rosters).

The resident roster is imported in the import centre (``imports``), which has its own errors.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from import_export.results import Error

from .files import RosterFileError


class RosterError(Error):
    """An import error; a problem with the file is a message for the user, not a traceback."""

    @cached_property
    def traceback(self) -> str:
        if isinstance(self.error, RosterFileError):
            return ""
        return super().traceback
