"""django-import-export resources for the resident roster (居民花名册).

The file speaks the community's language: Chinese column names and Chinese values
(户籍/常住/…, 户主/配偶/…, 红/黄/蓝/橙). Every imported row goes through ``grids.services`` like
the ledger form, and a run is all or nothing: the admin imports inside one transaction that is
rolled back when any row fails (see ``grids.admin.ResidentAdmin``). The export masks ID numbers
and phones.
"""

from .roster import (
    CHOICE_COLUMNS,
    IMPORT_COLUMNS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    ROSTER_FORMATS,
    ExcelCSV,
    roster_template,
)
from .roster_export import ResidentRosterExportResource
from .roster_import import ResidentRosterResource, RosterFileError, RosterSummary

__all__ = [
    "CHOICE_COLUMNS",
    "IMPORT_COLUMNS",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ROSTER_FORMATS",
    "ExcelCSV",
    "ResidentRosterExportResource",
    "ResidentRosterResource",
    "RosterFileError",
    "RosterSummary",
    "roster_template",
]
