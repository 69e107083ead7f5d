"""双报到 pages: the register, a member's service log, and the 双报告 (HTML, CSV or XLSX)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.exports import CSV_TYPE, csv_text, safe_row
from grids.models import Region

from ...forms.service import DualRegistrationForm, ReportPeriodForm, ServiceRecordForm
from ...models import DualRegistration, can_edit_party
from ...selectors import service as selectors
from ...services import service as services
from .common import _error_text, _require_edit


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
        # Through the shared writer: names and workplaces are typed by people, so no cell may start a formula.
        response = HttpResponse(csv_text(REPORT_HEADERS, _report_rows(report)), content_type=CSV_TYPE)
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
    sheet.append(safe_row([f"{community.name} 在职党员双报到服务情况（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"]))
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(REPORT_HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in _report_rows(report):
        workplace, name, registered_on, records, hours = row
        sheet.append(safe_row([workplace, name, registered_on or None, records, float(hours)]))
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


urlpatterns = [
    path("dual/<str:code>/", dual_register, name="dual_register"),
    path("dual/<str:code>/report/", dual_report, name="dual_report"),
    path("dual/registrations/<int:pk>/", dual_service_log, name="dual_service_log"),
    path("dual/registrations/<int:pk>/end/", dual_registration_end, name="dual_registration_end"),
]
