"""The case detail page with its timeline and actions, the print view and attachments.

Every case is looked up in the user's scope: one outside it answers 404 exactly like a missing
one. Actions go through cases.services with the version the page showed; a user who sees the
case but may not act gets 403 with the service's message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.refusals import refusal_response
from grids.mapconfig import map_config, map_labels
from grids.models import Region
from grids.pii import mask_phone

from ..forms.desk import ACTION_FORMS, ActionForm
from ..models import Attachment, Case, CaseState
from ..services import access
from ..services.errors import CaseConflict
from ..services.fieldwork import DISPUTE_CATEGORY_CODE
from .common import case_for, digits, is_partial, vary, visible_cases

# ---------------------------------------------------------------- detail and actions


# Code lengths of the places whose outline the case map draws: community, grid, micro-grid.
MAP_OUTLINE_LEVELS = (12, 15, 17)


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


def _map_outline(case: Case) -> dict | None:
    """The recorded boundary of the case's micro-grid, grid or community (the deepest known), for its map."""
    if case.latitude is None or case.longitude is None:
        return None
    codes = [case.region_code[:n] for n in MAP_OUTLINE_LEVELS if n <= len(case.region_code)]
    region = (
        Region.objects.current()
        .filter(code__in=codes, boundary__isnull=False)
        .order_by("-code")
        .only("code", "boundary")
        .first()
    )
    return region.boundary if region is not None else None


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
        "map_config": {**map_config(), "labels": map_labels()},
        "map_outline": _map_outline(case),
    }


def _render_detail(request, case: Case, *, status: int = 200, **kwargs) -> HttpResponse:
    context = _detail_context(request, case, **kwargs)
    template = "cases/desk/_detail_body.html" if is_partial(request) else "cases/detail.html"
    return vary(render(request, template, context, status=status))


@login_required
def case_detail(request, pk: int):
    return _render_detail(request, case_for(request.user, pk))


def _next_url(request) -> str:
    """Where a form came from (the dispatch board), if it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _back(request, case: Case) -> HttpResponse:
    return redirect(_next_url(request) or reverse("cases:detail", args=[case.pk]))


def _reload(user, case: Case) -> Case | None:
    return visible_cases(user).filter(pk=case.pk).first()


def _done(request, case: Case, message: str) -> HttpResponse:
    fresh = _reload(request.user, case)
    if fresh is None:  # the action moved the case out of the user's places
        messages.success(request, message)
        url = reverse("cases:list")
        return HttpResponseClientRedirect(url) if is_partial(request) else redirect(url)
    if is_partial(request):
        return _render_detail(request, fresh, notice=("success", message))
    messages.success(request, message)
    return _back(request, fresh)


def _conflict(request, case: Case, message: str) -> HttpResponse:
    fresh = _reload(request.user, case)
    if fresh is None:
        raise Http404
    if is_partial(request):
        return _render_detail(request, fresh, notice=("warning", message), status=409)
    messages.warning(request, message)
    return _back(request, fresh)


def _forbidden(request, case: Case, message: str) -> HttpResponse:
    message = message or _("Your role does not allow this action here.")
    if is_partial(request):
        return _render_detail(request, case, notice=("danger", message), status=403)
    back_url = reverse("cases:detail", args=[case.pk])
    return refusal_response(request, message, back_url=back_url, back_label=_("Back to the case"))


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    """Run one action on the case through its service, with the version the page was rendered with."""
    user = request.user
    case = case_for(user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, case=case, user=user)
    if not form.is_valid():
        if action not in access.allowed_actions(user, case):
            # Not a mistake in the form: the step is not the user's, or the case moved on meanwhile.
            if digits(request.POST.get("version")) not in (None, case.version):
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
    case = case_for(request.user, pk)
    context = _case_parts(request.user, case)
    context["reporter_phone"] = mask_phone(case.reporter_phone)
    return render(request, "cases/desk/print.html", context)


urlpatterns = [
    path("<int:pk>/", case_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", case_act, name="act"),
    path("<int:pk>/print/", case_print, name="print"),
    path("attachment/<int:pk>/", attachment_file, name="attachment"),
]
