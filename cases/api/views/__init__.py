"""REST API of cases, patrols, departments' summonses and the case reference data.

Every queryset starts from the user's scope, so an out-of-scope row answers 404 exactly like a
missing one, and an out-of-scope code or id in a request body is "not found" under its field.
Every write is one call of cases.services: its ValidationError comes back under the same field
keys (400), its PermissionDenied as 403 with its message, and CaseConflict (someone changed the
case first, or the client's `version` is stale) as 409 with the case's current version.
"""

from .cases import CaseViewSet
from .fieldwork import PatrolViewSet, SummonsViewSet
from .reference import CaseCategoryViewSet, DepartmentViewSet

__all__ = [
    "CaseCategoryViewSet",
    "CaseViewSet",
    "DepartmentViewSet",
    "PatrolViewSet",
    "SummonsViewSet",
]
