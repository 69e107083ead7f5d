"""Which case pages a user is offered (home page buttons, menu items): the same checks as the pages."""

from __future__ import annotations

from django.db.models import Exists

from accounts.models import User
from accounts.roles import Role
from accounts.scoping import get_scope

from ..forms.field import PATROL_ROLES, grid_places
from ..services import access
from ..services.access import FILE_ROLES
from .board import BOARD_ROLES


def case_menu_for(user) -> dict[str, bool]:
    """Computed once per user object (per request): the home page and the menu both ask."""
    cached = getattr(user, "_gridgov_case_menu", None)
    if cached is not None:
        return cached
    scope = get_scope(user)
    # cases.views.field.case_file refuses users with no grid in grid_places(user, FILE_ROLES),
    # cases.views.patrols.patrol_new those with none in grid_places(user, PATROL_ROLES): both asked in one query.
    places = (
        User.objects.filter(pk=user.pk)
        .annotate(file=Exists(grid_places(user, FILE_ROLES)), patrol=Exists(grid_places(user, PATROL_ROLES)))
        .values("file", "patrol")
        .first()
    ) or {"file": False, "patrol": False}
    menu = {
        "file": places["file"],
        "record_patrol": places["patrol"],
        # cases.views.board.board_communities: communities of the user's community/street/admin roles.
        "board": scope.has_any_role(BOARD_ROLES),
        # cases.views.board.department_inbox lists the summonses of the user's departments.
        "department": bool(access.department_ids(user)),
        "patrols": scope.has_any_role(FILE_ROLES - {Role.VOLUNTEER, Role.PROPERTY_STAFF}),
    }
    user._gridgov_case_menu = menu
    return menu
