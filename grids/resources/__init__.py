"""django-import-export resources and file formats of the resident roster (居民花名册).

The file speaks the community's language: Chinese column names and Chinese values
(户籍/常住/…, 户主/配偶/…, 红/黄/蓝/橙). The admin exports the roster, masking ID numbers and
phones, and streams it; rosters are imported in the import centre (``imports``), which reuses
the names and keys of ``roster``.

``files`` holds the admin's file formats and reads an upload for the Party roster imports,
``roster`` holds the file format, ``roster_export`` is the export resource and ``roster_import``
the row error of the imports that still run through django-import-export.
"""

from .files import ROSTER_FORMATS, ExcelCSV, ImportFileMessagesMixin, RosterFileError, RosterXLSX
from .roster import CHOICE_COLUMNS, IMPORT_COLUMNS
from .roster_export import ResidentRosterExportResource

__all__ = [
    "CHOICE_COLUMNS",
    "IMPORT_COLUMNS",
    "ROSTER_FORMATS",
    "ExcelCSV",
    "ImportFileMessagesMixin",
    "ResidentRosterExportResource",
    "RosterFileError",
    "RosterXLSX",
]
