"""REST API of 双报到 and service records, co-building units and their lists, and 书记领办项目.

Querysets start from the user's scope (out of scope answers 404 like missing); related rows named
in a request are looked up in that scope too. Writes go through partyorg.services.service, whose
ValidationErrors come back under the same field keys and whose PermissionDenied answers 403.
"""

from .cobuilding import CoBuildingUnitViewSet, ListItemViewSet
from .dual import DualRegistrationViewSet, ServiceRecordViewSet
from .projects import SecretaryProjectViewSet

__all__ = [
    "CoBuildingUnitViewSet",
    "DualRegistrationViewSet",
    "ListItemViewSet",
    "SecretaryProjectViewSet",
    "ServiceRecordViewSet",
    "register",
]


def register(router) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("dual-registrations", DualRegistrationViewSet, basename="party-dual-registration")
    router.register("service-records", ServiceRecordViewSet, basename="party-service-record")
    router.register("cobuilding-units", CoBuildingUnitViewSet, basename="party-cobuilding-unit")
    router.register("list-items", ListItemViewSet, basename="party-list-item")
    router.register("secretary-projects", SecretaryProjectViewSet, basename="party-secretary-project")
