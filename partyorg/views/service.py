"""Pages of 双报到 (register, service log, the 双报告 export), co-building with its three lists,
书记领办 projects, and the community's public project board (no login).

Communities and rows are looked up in the user's scope: out of scope answers 404 like missing;
a user who may see but not edit gets 403 on every write.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grids.models import Region

from ..forms.service import (
    AgreementForm,
    CoBuildingUnitForm,
    DualRegistrationForm,
    ListItemForm,
    MatchForm,
    ProjectUpdateForm,
    ReportPeriodForm,
    SecretaryProjectForm,
    ServiceRecordForm,
    StatusForm,
)
from ..models import (
    CoBuildingUnit,
    DualRegistration,
    ListItem,
    ListItemStatus,
    ListKind,
    SecretaryProject,
    can_edit_party,
)
from ..selectors import service as selectors
from ..services import service as services


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _require_edit(user, code: str) -> None:
    if not can_edit_party(user, code):
        raise PermissionDenied(_("Your role may not edit Party records here."))


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ---------------------------------------------------------------- 双报到


def _register_context(request, community: Region, form=None) -> dict:
    registrations = list(selectors.dual_registrations(user=request.user, community=community))
    for registration in registrations:
        registration.display_name = selectors.member_display_name(registration.member)
    can_edit = can_edit_party(request.user, community.code)
    if form is None and can_edit:
        form = DualRegistrationForm(user=request.user)
    return {
        "community": community,
        "registrations": registrations,
        "total_hours": sum((r.total_hours for r in registrations), Decimal("0")),
        "can_edit": can_edit,
        "form": form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def dual_register(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    form = None
    if request.method == "POST":
        _require_edit(request.user, community.code)
        form = DualRegistrationForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.dual_registration_add(
                    actor=request.user,
                    member=data["member"],
                    community=community,
                    workplace=data["workplace"],
                    skills=data["skills"],
                    registered_on=data["registered_on"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The member is registered with the community."))
                return redirect("partyorg:dual_register", code=community.code)
    return render(request, "partyorg/service/dual_register.html", _register_context(request, community, form))


def _registration_for_user(request, pk: int) -> DualRegistration:
    return get_object_or_404(
        DualRegistration.objects.visible_to(request.user).select_related("member__resident", "community"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def dual_service_log(request, pk: int):
    registration = _registration_for_user(request, pk)
    can_edit = can_edit_party(request.user, registration.region_code)
    form = ServiceRecordForm() if can_edit and registration.ended_on is None else None
    if request.method == "POST":
        _require_edit(request.user, registration.region_code)
        form = ServiceRecordForm(request.POST)
        if form.is_valid():
            try:
                services.service_record_add(actor=request.user, registration=registration, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The service is recorded."))
                return redirect("partyorg:dual_service_log", pk=registration.pk)
    records = list(selectors.service_records(user=request.user, registration=registration))
    context = {
        "registration": registration,
        "display_name": selectors.member_display_name(registration.member),
        "community": registration.community,
        "records": records,
        "total_hours": sum((r.hours for r in records), Decimal("0")),
        "can_edit": can_edit,
        "form": form,
    }
    return render(request, "partyorg/service/service_log.html", context)


@login_required
@require_POST
def dual_registration_end(request, pk: int):
    registration = _registration_for_user(request, pk)
    _require_edit(request.user, registration.region_code)
    try:
        services.dual_registration_end(actor=request.user, registration=registration)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The registration has ended."))
    return redirect("partyorg:dual_register", code=registration.region_code)


REPORT_HEADERS = ("工作单位", "党员", "报到日期", "服务次数", "服务时长（小时）")


def _report_rows(report) -> list[list]:
    rows: list[list] = []
    for group in report:
        for row in group.rows:
            rows.append([group.workplace, row.display_name, row.registered_on, row.period_records, row.period_hours])
        rows.append([group.workplace, "小计", "", group.records, group.hours])
    return rows


@login_required
def dual_report(request, code: str):
    """双报告: per workplace, the registered members and their hours in a period (HTML, CSV or XLSX)."""
    community = selectors.community_get_for_user(user=request.user, code=code)
    period_form = ReportPeriodForm(request.GET or None)
    start, end = period_form.period()
    report = selectors.dual_report(user=request.user, community=community, start=start, end=end)
    export = request.GET.get("format")
    filename = f"dual-report-{community.code}-{start:%Y%m%d}-{end:%Y%m%d}"
    if export == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the Chinese text as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(REPORT_HEADERS)
        for row in _report_rows(report):
            writer.writerow([f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else value for value in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if export == "xlsx":
        return _xlsx_response(community, start, end, report, filename)
    context = {
        "community": community,
        "period_form": period_form,
        "start": start,
        "end": end,
        "report": report,
        "total_hours": sum((group.hours for group in report), Decimal("0")),
        "query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}",
    }
    return render(request, "partyorg/service/dual_report.html", context)


def _xlsx_response(community: Region, start, end, report, filename: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "双报告"
    sheet.append([f"{community.name} 在职党员双报到服务情况（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(REPORT_HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in _report_rows(report):
        workplace, name, registered_on, records, hours = row
        sheet.append([workplace, name, registered_on or None, records, float(hours)])
        if name == "小计":
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        elif registered_on:
            sheet.cell(row=sheet.max_row, column=3).number_format = "yyyy-mm-dd"
    for index, width in enumerate((28, 12, 12, 10, 16), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# ---------------------------------------------------------------- co-building and the three lists


def _board_context(request, community: Region, errors: list[str] | None = None) -> dict:
    user = request.user
    units = list(selectors.cobuilding_units(user=user, community=community))
    lists = selectors.three_lists(user=user, community=community)
    can_edit = can_edit_party(user, community.code)
    context = {
        "community": community,
        "units": units,
        "lists": lists,
        "can_edit": can_edit,
        "errors": errors or [],
        "kinds": ListKind,
        "statuses": ListItemStatus,
        "open_resources": [item for item in lists.resources if item.status == ListItemStatus.OPEN],
    }
    if can_edit:
        context["unit_form"] = CoBuildingUnitForm(user=user, community=community)
        context["item_form"] = ListItemForm(user=user, community=community)
    return context


def _board_answer(request, community: Region, errors: list[str] | None = None, success: str = "") -> HttpResponse:
    """After a write: the board fragment for htmx, else back to the page with a message."""
    if _is_partial(request):
        context = _board_context(request, community, errors)
        context["success"] = success if not errors else ""
        response = render(request, "partyorg/service/_cobuilding_board.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    for error in errors or []:
        messages.error(request, error)
    if success and not errors:
        messages.success(request, success)
    return redirect("partyorg:cobuilding", code=community.code)


def _form_errors(form) -> list[str]:
    return [f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errs)}".lstrip(": ")
            for name, errs in form.errors.items()]  # fmt: skip


@login_required
def cobuilding(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    return render(request, "partyorg/service/cobuilding.html", _board_context(request, community))


@login_required
@require_POST
def cobuilding_unit_add(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    _require_edit(request.user, community.code)
    form = CoBuildingUnitForm(request.POST, user=request.user, community=community)
    if not form.is_valid():
        return _board_answer(request, community, _form_errors(form))
    try:
        services.cobuilding_unit_add(actor=request.user, community=community, **form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, community, exc.messages)
    return _board_answer(request, community, success=_("The co-building unit is added."))


@login_required
@require_POST
def agreement_add(request, pk: int):
    unit = get_object_or_404(CoBuildingUnit.objects.visible_to(request.user).select_related("community"), pk=pk)
    _require_edit(request.user, unit.region_code)
    form = AgreementForm(request.POST)
    if not form.is_valid():
        return _board_answer(request, unit.community, _form_errors(form))
    try:
        services.agreement_add(actor=request.user, unit=unit, **form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, unit.community, exc.messages)
    return _board_answer(request, unit.community, success=_("The agreement is recorded."))


@login_required
@require_POST
def list_item_add(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    _require_edit(request.user, community.code)
    form = ListItemForm(request.POST, user=request.user, community=community)
    if not form.is_valid():
        return _board_answer(request, community, _form_errors(form))
    try:
        services.list_item_add(actor=request.user, community=community, **form.cleaned_data)
    except ValidationError as exc:
        return _board_answer(request, community, exc.messages)
    return _board_answer(request, community, success=_("The item is on the list."))


def _item_for_user(request, pk: int) -> ListItem:
    item = get_object_or_404(ListItem.objects.visible_to(request.user).select_related("community"), pk=pk)
    _require_edit(request.user, item.region_code)
    return item


@login_required
@require_POST
def need_match(request, pk: int):
    need = _item_for_user(request, pk)
    form = MatchForm(request.POST, user=request.user, community=need.community)
    if not form.is_valid():
        return _board_answer(request, need.community, _form_errors(form))
    try:
        services.need_match(actor=request.user, need=need, resource=form.cleaned_data["resource"])
    except ValidationError as exc:
        return _board_answer(request, need.community, exc.messages)
    return _board_answer(request, need.community, success=_("The need is matched to the resource."))


@login_required
@require_POST
def make_project(request, pk: int):
    need = _item_for_user(request, pk)
    statuses = (ListItemStatus.OPEN, ListItemStatus.MATCHED)
    form = MatchForm(request.POST, user=request.user, community=need.community, statuses=statuses)
    if not form.is_valid():
        return _board_answer(request, need.community, _form_errors(form))
    try:
        services.project_from_need(
            actor=request.user,
            need=need,
            resource=form.cleaned_data["resource"],
            title=form.cleaned_data["title"] or None,
        )
    except ValidationError as exc:
        return _board_answer(request, need.community, exc.messages)
    return _board_answer(request, need.community, success=_("The service project is under way."))


@login_required
@require_POST
def list_item_status(request, pk: int):
    item = _item_for_user(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _board_answer(request, item.community, _form_errors(form))
    try:
        services.list_item_set_status(actor=request.user, item=item, status=form.cleaned_data["status"])
    except ValidationError as exc:
        return _board_answer(request, item.community, exc.messages)
    return _board_answer(request, item.community, success=_("The status is changed."))


# ---------------------------------------------------------------- 书记领办项目


def _prepare_projects(projects) -> list:
    projects = list(projects)
    for project in projects:
        project.secretary_name = selectors.member_display_name(project.secretary)
    return projects


@login_required
@require_http_methods(["GET", "POST"])
def projects(request, code: str):
    community = selectors.community_get_for_user(user=request.user, code=code)
    can_edit = can_edit_party(request.user, community.code)
    form = SecretaryProjectForm(user=request.user, community=community) if can_edit else None
    if request.method == "POST":
        _require_edit(request.user, community.code)
        form = SecretaryProjectForm(request.POST, user=request.user, community=community)
        if form.is_valid():
            data = dict(form.cleaned_data)
            position = data.pop("position")
            try:
                services.secretary_project_add(actor=request.user, org=position.org, secretary=position.member, **data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The project is started."))
                return redirect("partyorg:projects", code=community.code)
    context = {
        "community": community,
        "projects": _prepare_projects(selectors.secretary_projects(user=request.user, community=community)),
        "can_edit": can_edit,
        "form": form,
        "update_form": ProjectUpdateForm() if can_edit else None,
    }
    return render(request, "partyorg/service/projects.html", context)


@login_required
@require_POST
def project_update_add(request, pk: int):
    project = get_object_or_404(SecretaryProject.objects.visible_to(request.user), pk=pk)
    _require_edit(request.user, project.region_code)
    form = ProjectUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.project_update_add(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            form = None
    if not _is_partial(request):
        if form is not None:
            messages.error(request, " ".join(_form_errors(form)))
        else:
            messages.success(request, _("The progress is recorded."))
        community_code = project.region_code[:12]
        return redirect(reverse("partyorg:projects", kwargs={"code": community_code}) + f"#project-{project.pk}")
    project = _prepare_projects(selectors.secretary_projects(user=request.user).filter(pk=project.pk))[0]
    context = {"project": project, "can_edit": True, "update_form": form or ProjectUpdateForm(), "saved": form is None}
    response = render(request, "partyorg/service/_project_card.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def public_projects(request, code: str):
    """The community's public board of 书记领办 projects; no login, no personal data but the secretary's name."""
    community = selectors.community_get_public(code=code)
    context = {"community": community, "projects": _prepare_projects(selectors.public_projects(community=community))}
    return render(request, "partyorg/service/public_projects.html", context)


urlpatterns = [
    path("dual/<str:code>/", dual_register, name="dual_register"),
    path("dual/<str:code>/report/", dual_report, name="dual_report"),
    path("dual/registrations/<int:pk>/", dual_service_log, name="dual_service_log"),
    path("dual/registrations/<int:pk>/end/", dual_registration_end, name="dual_registration_end"),
    path("cobuilding/<str:code>/", cobuilding, name="cobuilding"),
    path("cobuilding/<str:code>/units/add/", cobuilding_unit_add, name="cobuilding_unit_add"),
    path("cobuilding/<str:code>/items/add/", list_item_add, name="list_item_add"),
    path("cobuilding/units/<int:pk>/agreements/add/", agreement_add, name="agreement_add"),
    path("cobuilding/items/<int:pk>/match/", need_match, name="need_match"),
    path("cobuilding/items/<int:pk>/make-project/", make_project, name="make_project"),
    path("cobuilding/items/<int:pk>/status/", list_item_status, name="list_item_status"),
    path("projects/<str:code>/", projects, name="projects"),
    path("projects/updates/<int:pk>/add/", project_update_add, name="project_update_add"),
    path("public/<str:code>/projects/", public_projects, name="public_projects"),
]
