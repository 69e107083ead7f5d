"""django-import-export resources for the resident roster (居民花名册).

The file speaks the community's language: Chinese column names and Chinese values
(户籍/常住/…, 户主/配偶/…, 红/黄/蓝/橙). Every imported row goes through ``grids.services`` like
the ledger form, and a run is all or nothing: the admin imports inside one transaction that is
rolled back when any row fails (see ``grids.admin.ResidentAdmin``). The export masks ID numbers
and phones, and streams.

``files`` reads an upload (formats, unreadable files, control characters), ``roster`` holds the
file format, ``roster_places`` finds the place a row names, ``roster_import`` and ``roster_export``
are the two resources.
"""

from .files import ROSTER_FORMATS, ExcelCSV, ImportFileMessagesMixin, RosterFileError, RosterXLSX
from .roster import CHOICE_COLUMNS, IMPORT_COLUMNS, MAX_ROWS, REQUIRED_COLUMNS, roster_template
from .roster_export import ResidentRosterExportResource
from .roster_import import ResidentRosterResource, RosterSummary

__all__ = [
    "CHOICE_COLUMNS",
    "IMPORT_COLUMNS",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ROSTER_FORMATS",
    "ExcelCSV",
    "ImportFileMessagesMixin",
    "ResidentRosterExportResource",
    "ResidentRosterResource",
    "RosterFileError",
    "RosterSummary",
    "RosterXLSX",
    "roster_template",
]
