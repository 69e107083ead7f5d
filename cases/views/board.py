"""The community dispatch board and the department inbox (街道吹哨、部门报到)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.refusals import refusal_response
from accounts.roles import Role
from accounts.scoping import get_scope
from grids.models import Region, RegionLevel

from .. import selectors, services
from ..forms.desk import SummonsReportForm, community_members, takers_among
from ..models import Summons
from ..services import access
from .common import is_partial, vary

BOARD_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.ADMIN})
BOARD_COMMUNITY_CHOICES = 500

# ---------------------------------------------------------------- community dispatch board

BOARD_COLUMNS = ("waiting", "grid", "community", "verify", "above")


def _column_label(key: str) -> str:
    labels = {
        "waiting": _("Waiting for the community"),
        "grid": _("With the grids"),
        "community": _("Handled at the community"),
        "verify": _("Awaiting verification"),
        "above": _("Escalated above"),
    }
    return labels[key]


def board_communities(user) -> QuerySet[Region]:
    """Communities where the user works at community level or above (community workers, street staff, admins)."""
    scope = get_scope(user)
    if not scope.has_any_role(BOARD_ROLES):
        return Region.objects.none()
    return (
        Region.objects.current()
        .filter(scope.q("code", roles=BOARD_ROLES), level=RegionLevel.COMMUNITY)
        .order_by("code")
    )


@login_required
def dispatch_board(request, code: str | None = None):
    user = request.user
    communities = board_communities(user)
    if code is None:
        chosen = request.GET.get("community", "")
        if chosen:
            if not chosen.isdigit():
                raise Http404
            return redirect("cases:board", code=chosen)
        community = communities.first()
        if community is None:
            raise PermissionDenied(_("The dispatch board is for community workers and street staff."))
    else:
        community = communities.filter(code=code).first() if code.isdigit() else None
        if community is None:
            raise Http404
    columns = selectors.dispatch_board(user=user, community_code=community.code)
    members = community_members(community.code)
    for cases in columns.values():
        for case in cases:
            case.board_actions = access.allowed_actions(user, case)
            case.takers = []
            if "dispatch" in case.board_actions:
                case.takers = takers_among(case, members)
                if access.can_take(user, case) and all(pk != user.pk for pk, _label in case.takers):
                    case.takers.insert(0, (user.pk, _("Myself (%(name)s)") % {"name": user.display_name}))
    context = {
        "community": community,
        "communities": list(communities.values_list("code", "name")[:BOARD_COMMUNITY_CHOICES]),
        "columns": [(key, _column_label(key), columns[key]) for key in BOARD_COLUMNS],
        "board_url": reverse("cases:board", kwargs={"code": community.code}),
    }
    return render(request, "cases/desk/board.html", context)


# ---------------------------------------------------------------- department inbox (吹哨报到)


def _inbox_context(request, *, errors: dict | None = None, drafts: dict | None = None, notice=None) -> dict:
    user = request.user
    summonses = list(selectors.department_inbox(user=user))
    for summons in summonses:
        summons.report_errors = (errors or {}).get(summons.pk, [])
        summons.report_draft = (drafts or {}).get(summons.pk, "")
    return {"summonses": summonses, "has_departments": bool(access.department_ids(user)), "notice": notice}


def _render_inbox(request, *, status: int = 200, **kwargs) -> HttpResponse:
    template = "cases/desk/_department_inbox_list.html" if is_partial(request) else "cases/desk/department_inbox.html"
    return vary(render(request, template, _inbox_context(request, **kwargs), status=status))


@login_required
def department_inbox(request):
    return _render_inbox(request)


@login_required
@require_POST
def summons_act(request, pk: int, step: str):
    """A summoned department checks in (报到) or reports back; other departments' summonses answer 404."""
    user = request.user
    if step not in {"checkin", "report"}:
        raise Http404
    summons = get_object_or_404(
        Summons.objects.filter(department_id__in=access.department_ids(user)).select_related("case", "department"),
        pk=pk,
    )
    report = ""
    try:
        if step == "checkin":
            services.summons_check_in(summons=summons, actor=user)
            message = _("%(dept)s checked in to %(number)s.") % {
                "dept": summons.department.name,
                "number": summons.case.number,
            }
        else:
            form = SummonsReportForm(request.POST)
            form.is_valid()
            report = form.cleaned_data.get("report", "")
            services.summons_report(summons=summons, actor=user, report=report)
            message = _("%(dept)s reported back on %(number)s.") % {
                "dept": summons.department.name,
                "number": summons.case.number,
            }
    except ValidationError as exc:
        errors = exc.message_dict.get("report", exc.messages) if hasattr(exc, "error_dict") else exc.messages
        return _render_inbox(request, errors={summons.pk: errors}, drafts={summons.pk: report})
    except PermissionDenied as exc:
        if is_partial(request):
            return _render_inbox(request, notice=("danger", str(exc)), status=403)
        return refusal_response(request, str(exc))
    if is_partial(request):
        return _render_inbox(request, notice=("success", message))
    messages.success(request, message)
    return redirect("cases:department_inbox")


urlpatterns = [
    path("board/", dispatch_board, name="board"),
    path("board/<str:code>/", dispatch_board, name="board"),
    path("department/", department_inbox, name="department_inbox"),
    path("summons/<int:pk>/<slug:step>/", summons_act, name="summons_act"),
]
