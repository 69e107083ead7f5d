"""django-import-export resources for Party organisations (党组织) and members (党员花名册).

Chinese column names and values, as the Party-building workers keep them in Excel. Every row goes
through partyorg.services.org as the importing user, so the same rules as on the pages apply;
the admin imports inside one transaction rolled back when any row fails (all or nothing), and the
errors are listed per row and column. The member export masks phones.

``columns`` holds the file format (column names, values, dates, the templates), ``imports`` the
two imports and ``exports`` the two exports.
"""

from .columns import (
    CHOICE_COLUMNS,
    FORMATS,
    MEMBER_COLUMNS,
    MEMBER_REQUIRED,
    ORG_COLUMNS,
    ORG_REQUIRED,
    parse_date,
    template_file,
)
from .exports import PartyMemberExportResource, PartyOrgExportResource
from .imports import PartyImportResource, PartyMemberResource, PartyOrgResource

__all__ = [
    "CHOICE_COLUMNS",
    "FORMATS",
    "MEMBER_COLUMNS",
    "MEMBER_REQUIRED",
    "ORG_COLUMNS",
    "ORG_REQUIRED",
    "PartyImportResource",
    "PartyMemberExportResource",
    "PartyMemberResource",
    "PartyOrgExportResource",
    "PartyOrgResource",
    "parse_date",
    "template_file",
]
