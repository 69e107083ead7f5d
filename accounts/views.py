"""Home page per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grids.models import Region

from .models import Assignment
from .roles import GRID_ROLES, Role
from .scoping import get_scope

# When a user holds several roles, the home page follows the most senior one.
ROLE_PRECEDENCE = [
    Role.ADMIN,
    Role.DISTRICT_OFFICIAL,
    Role.STREET_STAFF,
    Role.COMMUNITY_WORKER,
    Role.GRID_MEMBER_FULL,
    Role.GRID_MEMBER_PART,
    Role.GRID_MEMBER_AUX,
    Role.MICROGRID_HEAD,
    Role.BUILDING_HEAD,
    Role.UNIT_STEWARD,
    Role.DEPARTMENT_STAFF,
    Role.PROPERTY_STAFF,
    Role.VOLUNTEER,
]


def primary_role(user, assignments) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    held = {a.role for a in assignments}
    return next((role for role in ROLE_PRECEDENCE if role in held), None)


@login_required
def home(request):
    from dashboards.places import can_see_dashboard
    from dashboards.views import grid_cards
    from dashboards.views import place as dashboard

    assignments = list(Assignment.objects.active().filter(user=request.user).select_related("region"))
    role = primary_role(request.user, assignments)
    if role == Role.DISTRICT_OFFICIAL:
        # An official's home is the dashboard of their place.
        return dashboard(request, None)
    scope = get_scope(request.user)
    places = (
        Region.objects.visible_to(request.user).filter(code__in=scope.prefixes())
        if not scope.unrestricted
        else (Region.objects.filter(parent__isnull=True))
    )
    if role in GRID_ROLES:
        template_role = "grid"
    elif role in {Role.COMMUNITY_WORKER, Role.STREET_STAFF}:
        template_role = "community"
    elif role in {Role.ADMIN, Role.DISTRICT_OFFICIAL}:
        template_role = role
    else:
        template_role = "other"
    return render(
        request,
        "accounts/home.html",
        {
            "assignments": assignments,
            "role": role,
            "role_label": Role(role).label if role else "",
            "template_role": template_role,
            "places": list(places),
            "grid_cards": grid_cards(request.user) if role in GRID_ROLES else [],
            "can_dashboard": can_see_dashboard(request.user),
        },
    )
