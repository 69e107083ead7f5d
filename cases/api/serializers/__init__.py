"""Serializers of the cases API.

Output shapes read only what the views' querysets have loaded (no query per row in lists).
Input serializers check the shape of a request and turn codes and ids into objects the user may
see; anything else answers "not found" under the field's key, exactly like a missing row. The
rules of cases live in cases.services.
"""

from .cases import (
    ROW_VALUES,
    AttachmentSerializer,
    CaseDetailSerializer,
    CaseEventSerializer,
    CaseSerializer,
    ConflictSerializer,
    FollowUpSerializer,
    SummonsBriefSerializer,
    case_rows,
)
from .common import (
    LEVEL_VALUES,
    NOT_FOUND,
    STATE_VALUES,
    VERSION_HELP,
    CoordinateField,
    LatitudeField,
    LongitudeField,
    attachment_url,
)
from .fieldwork import (
    CheckInSerializer,
    PatrolCreateSerializer,
    PatrolFileCaseSerializer,
    PatrolPhotoSerializer,
    PatrolSerializer,
    SummonsReportSerializer,
    SummonsSerializer,
)
from .inputs import (
    CaseCreateMultipartSerializer,
    CaseCreateSerializer,
    CaseEditSerializer,
    CommentSerializer,
    DispatchSerializer,
    DuplicateQuerySerializer,
    DuplicateSerializer,
    EscalateSerializer,
    FollowUpInputSerializer,
    LinkReportSerializer,
    NoteSerializer,
    ReasonSerializer,
    RejectSerializer,
    ResolveSerializer,
    SummonInputSerializer,
    UploadSerializer,
    VerifySerializer,
    VersionSerializer,
)
from .reference import (
    CaseCategorySerializer,
    DepartmentSerializer,
)

__all__ = [
    "AttachmentSerializer",
    "CaseCategorySerializer",
    "CaseCreateMultipartSerializer",
    "CaseCreateSerializer",
    "CaseDetailSerializer",
    "CaseEditSerializer",
    "CaseEventSerializer",
    "CaseSerializer",
    "CheckInSerializer",
    "CommentSerializer",
    "ConflictSerializer",
    "CoordinateField",
    "LatitudeField",
    "LongitudeField",
    "DepartmentSerializer",
    "DispatchSerializer",
    "DuplicateQuerySerializer",
    "DuplicateSerializer",
    "EscalateSerializer",
    "FollowUpInputSerializer",
    "FollowUpSerializer",
    "LEVEL_VALUES",
    "LinkReportSerializer",
    "NOT_FOUND",
    "NoteSerializer",
    "PatrolCreateSerializer",
    "PatrolFileCaseSerializer",
    "PatrolPhotoSerializer",
    "PatrolSerializer",
    "ROW_VALUES",
    "ReasonSerializer",
    "RejectSerializer",
    "ResolveSerializer",
    "STATE_VALUES",
    "SummonInputSerializer",
    "SummonsBriefSerializer",
    "SummonsReportSerializer",
    "SummonsSerializer",
    "UploadSerializer",
    "VERSION_HELP",
    "VerifySerializer",
    "VersionSerializer",
    "attachment_url",
    "case_rows",
]
