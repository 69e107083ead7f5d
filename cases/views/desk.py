"""Desktop pages: case list, case detail with timeline and actions, dispatch board, department inbox, print view.

Every case is looked up in the user's scope: one outside it answers 404 exactly like a missing
one. Actions go through cases.services with the version the page showed; a user who sees the
case but may not act gets 403 with the service's message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.roles import Role
from accounts.scoping import get_scope
from grids.models import Region, RegionLevel
from grids.pii import mask_phone

from .. import selectors, services
from ..forms.desk import ACTION_FORMS, ActionForm, SummonsReportForm, community_members, takers_among
from ..models import Attachment, Case, CaseCategory, CaseLevel, CaseState, Channel, Summons, Urgency
from ..services import access
from ..services.errors import CaseConflict
from ..services.fieldwork import DISPUTE_CATEGORY_CODE

CASES_PER_PAGE = 50
# Suggestions for the region filter of the case list; longer lists are typed as codes.
REGION_SUGGESTIONS = 500
BOARD_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.ADMIN})
BOARD_COMMUNITY_CHOICES = 500
DETAIL_RELATED = (
    "category",
    "category__parent",
    "region",
    "estate",
    "building",
    "household",
    "department",
    "handler",
    "reporter",
    "resolved_by",
)


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


def _visible_cases(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related(*DETAIL_RELATED)


def _case_for(user, pk: int) -> Case:
    """The case if the user may see it; 404 for a missing case and for one outside their places alike."""
    return get_object_or_404(_visible_cases(user), pk=pk)


def _digits(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


# ---------------------------------------------------------------- list


def _keyset_page(queryset: QuerySet[Case], params) -> dict:
    """One page of newest-first cases by id: ?before=<id> goes to older ones, ?after=<id> to newer ones.

    No COUNT over the table: one more row than the page tells whether there is a further page,
    and an EXISTS whether there is one on the other side.
    """
    before, after = _digits(params.get("before")), _digits(params.get("after"))
    if after is not None:
        chunk = list(queryset.filter(pk__gt=after).order_by("id")[: CASES_PER_PAGE + 1])
        has_newer = len(chunk) > CASES_PER_PAGE
        rows = chunk[:CASES_PER_PAGE][::-1]
        has_older = queryset.filter(pk__lte=after).exists()
    else:
        if before is not None:
            queryset, has_newer = queryset.filter(pk__lt=before), queryset.filter(pk__gte=before).exists()
        else:
            has_newer = False
        chunk = list(queryset.order_by("-id")[: CASES_PER_PAGE + 1])
        has_older = len(chunk) > CASES_PER_PAGE
        rows = chunk[:CASES_PER_PAGE]
    return {
        "rows": rows,
        "newer_id": rows[0].pk if rows and has_newer else None,
        "older_id": rows[-1].pk if rows and has_older else None,
        "has_newer": has_newer,
    }


def _category_options() -> list[tuple[CaseCategory, bool]]:
    """Top categories each followed by their subcategories (is_child True), in display order."""
    categories = list(CaseCategory.objects.order_by("sort_order", "code"))
    children: dict[int, list[CaseCategory]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    options = []
    for category in categories:
        if category.parent_id is None:
            options.append((category, False))
            options.extend((child, True) for child in children.get(category.pk, []))
    return options


@login_required
def case_list(request):
    user = request.user
    filterset = selectors.CaseFilter(request.GET, queryset=selectors.case_list(user=user), request=request)
    form = filterset.form
    page = _keyset_page(filterset.qs, request.GET) if form.is_valid() else None
    filter_keys = set(filterset.filters)
    context = {
        "form": form,
        "page": page,
        "filtered": any(value for key, value in request.GET.items() if key in filter_keys),
        "states": CaseState.choices,
        "chosen_states": set(request.GET.getlist("state")),
        "levels": CaseLevel.choices,
        "urgencies": Urgency.choices,
        "channels": Channel.choices,
    }
    if not _is_partial(request):
        context["category_options"] = _category_options()
        context["region_suggestions"] = (
            Region.objects.visible_to(user)
            .filter(level__in=[RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICROGRID])
            .order_by("code")
            .values_list("code", "name")[:REGION_SUGGESTIONS]
        )
        context["board_available"] = get_scope(user).has_any_role(BOARD_ROLES)
        context["has_departments"] = bool(access.department_ids(user))
    template = "cases/desk/_list_results.html" if _is_partial(request) else "cases/desk/list.html"
    return _vary(render(request, template, context))


# ---------------------------------------------------------------- detail and actions


def _is_dispute(case: Case) -> bool:
    return DISPUTE_CATEGORY_CODE in {case.category.code, getattr(case.category.parent, "code", "")}


def _case_parts(user, case: Case) -> dict:
    """Timeline, files, summonses, follow-ups and related cases of a case, for the detail and print pages."""
    duplicate_of = None
    if case.duplicate_of_id:
        duplicate_of = Case.objects.visible_to(user).filter(pk=case.duplicate_of_id).only("pk", "number").first()
    is_handler = access.is_handler(user, case)
    return {
        "case": case,
        "events": list(case.events.select_related("actor")),
        "attachments": list(case.attachments.all()),
        "summonses": list(case.summonses.select_related("department", "summoned_by", "checked_in_by", "reported_by")),
        "follow_ups": list(case.follow_ups.select_related("recorded_by")),
        "duplicates": list(
            Case.objects.visible_to(user).filter(duplicate_of=case).only("pk", "number", "title").order_by("pk")
        ),
        "duplicate_of": duplicate_of,
        "duplicate_of_number": case.closure_reason if case.state == CaseState.DUPLICATE else "",
        "is_handler": is_handler,
        "reporter_phone": case.reporter_phone if is_handler else mask_phone(case.reporter_phone),
        "is_dispute": _is_dispute(case),
    }


def _detail_context(request, case: Case, *, bound: ActionForm | None = None, notice=None) -> dict:
    user = request.user
    allowed = access.allowed_actions(user, case)
    action_forms = []
    for name, form_class in ACTION_FORMS.items():
        if bound is not None and bound.action == name:
            action_forms.append(bound)
        elif name in allowed:
            action_forms.append(form_class(case=case, user=user))
    return {
        **_case_parts(user, case),
        "action_forms": action_forms,
        "open_action": bound.action if bound is not None else None,
        "my_department_ids": access.department_ids(user),
        "notice": notice,
        "next": _next_url(request),
    }


def _render_detail(request, case: Case, *, status: int = 200, **kwargs) -> HttpResponse:
    context = _detail_context(request, case, **kwargs)
    template = "cases/desk/_detail_body.html" if _is_partial(request) else "cases/detail.html"
    return _vary(render(request, template, context, status=status))


@login_required
def case_detail(request, pk: int):
    return _render_detail(request, _case_for(request.user, pk))


def _next_url(request) -> str:
    """Where a form came from (the dispatch board), if it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _back(request, case: Case) -> HttpResponse:
    return redirect(_next_url(request) or reverse("cases:detail", args=[case.pk]))


def _reload(user, case: Case) -> Case | None:
    return _visible_cases(user).filter(pk=case.pk).first()


def _done(request, case: Case, message: str) -> HttpResponse:
    fresh = _reload(request.user, case)
    if fresh is None:  # the action moved the case out of the user's places
        messages.success(request, message)
        url = reverse("cases:list")
        return HttpResponseClientRedirect(url) if _is_partial(request) else redirect(url)
    if _is_partial(request):
        return _render_detail(request, fresh, notice=("success", message))
    messages.success(request, message)
    return _back(request, fresh)


def _conflict(request, case: Case, message: str) -> HttpResponse:
    fresh = _reload(request.user, case)
    if fresh is None:
        raise Http404
    if _is_partial(request):
        return _render_detail(request, fresh, notice=("warning", message), status=409)
    messages.warning(request, message)
    return _back(request, fresh)


def _forbidden(request, case: Case, message: str) -> HttpResponse:
    message = message or _("Your role does not allow this action here.")
    if _is_partial(request):
        return _render_detail(request, case, notice=("danger", message), status=403)
    return render(request, "cases/desk/forbidden.html", {"case": case, "message": message}, status=403)


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    """Run one action on the case through its service, with the version the page was rendered with."""
    user = request.user
    case = _case_for(user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, case=case, user=user)
    if not form.is_valid():
        if action not in access.allowed_actions(user, case):
            # Not a mistake in the form: the step is not the user's, or the case moved on meanwhile.
            if _digits(request.POST.get("version")) not in (None, case.version):
                return _conflict(request, case, _("This case was changed by someone else after you opened it."))
            return _forbidden(request, case, _("Your role does not allow this action on this case."))
        return _render_detail(request, case, bound=form)
    try:
        message = form.perform()
    except CaseConflict as exc:
        return _conflict(request, case, exc.message)
    except PermissionDenied as exc:
        return _forbidden(request, case, str(exc))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render_detail(request, case, bound=form)
    return _done(request, case, message)


@login_required
def attachment_file(request, pk: int):
    """Stream a case's photo or file to users who may see the case; 404 to everyone else."""
    attachment = get_object_or_404(
        Attachment.objects.filter(case__in=Case.objects.visible_to(request.user).values("pk")), pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        filename=attachment.original_name or attachment.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def case_print(request, pk: int):
    """A clean A4 page of the case; the reporter's phone is always masked on paper."""
    case = _case_for(request.user, pk)
    context = _case_parts(request.user, case)
    context["reporter_phone"] = mask_phone(case.reporter_phone)
    return render(request, "cases/desk/print.html", context)


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


def _board_communities(user) -> QuerySet[Region]:
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
    communities = _board_communities(user)
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
    template = "cases/desk/_department_inbox_list.html" if _is_partial(request) else "cases/desk/department_inbox.html"
    return _vary(render(request, template, _inbox_context(request, **kwargs), status=status))


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
        if _is_partial(request):
            return _render_inbox(request, notice=("danger", str(exc)), status=403)
        return render(request, "cases/desk/forbidden.html", {"message": str(exc)}, status=403)
    if _is_partial(request):
        return _render_inbox(request, notice=("success", message))
    messages.success(request, message)
    return redirect("cases:department_inbox")


urlpatterns = [
    path("", case_list, name="list"),
    path("<int:pk>/", case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", case_act, name="act"),
    path("<int:pk>/print/", case_print, name="print"),
    path("attachment/<int:pk>/", attachment_file, name="attachment"),
    path("board/", dispatch_board, name="board"),
    path("board/<str:code>/", dispatch_board, name="board"),
    path("department/", department_inbox, name="department_inbox"),
    path("summons/<int:pk>/<slug:step>/", summons_act, name="summons_act"),
]
