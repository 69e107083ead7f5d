"""街道吹哨、部门报到: street staff summon departments, which check in within a limit and report back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.messages import message

from ..models import Case, CaseAction, CaseLevel, Department, Summons
from ..models.choices import OPEN_STATES
from ..workcal import WorkingTime
from . import access
from .clock import stage_minutes
from .common import case_title, lock_case, notify_case, require_state, save_with_event


@transaction.atomic
def case_summon(
    *, case: Case, actor, departments: list[Department], note: str = "", expected_version: int | None = None
) -> list[Summons]:
    """Blow the whistle: each department must check in within the department-level accept limit."""
    case = lock_case(case, expected_version=expected_version)
    require_state(case, OPEN_STATES)
    if "summon" not in access.allowed_actions(actor, case):
        raise PermissionDenied(_("Only street staff may summon departments."))
    departments = list({d.pk: d for d in departments}.values())
    if not departments:
        raise ValidationError({"departments": [_("Choose at least one department.")]})
    already = set(case.summonses.values_list("department_id", flat=True))
    errors = []
    for department in departments:
        if not department.is_active or not case.region_code.startswith(department.region_code):
            errors.append(_("%(name)s has no jurisdiction here.") % {"name": department.name})
        elif department.pk in already:
            errors.append(_("%(name)s has already been summoned to this case.") % {"name": department.name})
    if errors:
        raise ValidationError({"departments": errors})
    now = timezone.now()
    due = WorkingTime.load().add(now, stage_minutes(case, "accept", level=CaseLevel.DEPARTMENT))
    created = Summons.objects.bulk_create(
        [
            Summons(case=case, department=d, summoned_by=actor, summoned_at=now, note=note, check_in_due_at=due)
            for d in departments
        ]
    )
    save_with_event(
        case,
        fields=[],
        actor=actor,
        action=CaseAction.SUMMON,
        note=note,
        data={"departments": [d.pk for d in departments], "names": [d.name for d in departments]},
    )
    staff = Department.staff.through.objects.filter(department__in=departments).values_list("user_id", flat=True)
    notify_case(case, staff, message("case.summoned", title=case_title(case)), note)
    return created


def _lock_summons(summons: Summons | int, actor) -> Summons:
    pk = summons.pk if isinstance(summons, Summons) else summons
    locked = Summons.objects.select_for_update().select_related("case", "department").get(pk=pk)
    if locked.department_id not in access.department_ids(actor) and not actor.is_superuser:
        raise PermissionDenied(_("Only staff of the summoned department may answer."))
    return locked


@transaction.atomic
def summons_check_in(*, summons: Summons, actor, note: str = "") -> Summons:
    summons = _lock_summons(summons, actor)
    if summons.checked_in_at is not None:
        return summons  # checking in twice changes nothing
    now = timezone.now()
    summons.checked_in_at = now
    summons.checked_in_by = actor
    summons.save(update_fields=["checked_in_at", "checked_in_by"])
    case = lock_case(summons.case_id)
    save_with_event(
        case,
        fields=[],
        actor=actor,
        action=CaseAction.CHECK_IN,
        note=note,
        data={
            "department": summons.department_id,
            "name": summons.department.name,
            "late": now > summons.check_in_due_at,
        },
    )
    notify_case(
        case,
        [summons.summoned_by_id],
        message("case.summons_checked_in", dept=summons.department.name, title=case_title(case)),
        skip=actor,
    )
    return summons


@transaction.atomic
def summons_report(*, summons: Summons, actor, report: str) -> Summons:
    """The department reports what it did (checking in first if it had not)."""
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": [_("Say what the department did.")]})
    summons = _lock_summons(summons, actor)
    if summons.reported_at is not None:
        raise ValidationError({"report": [_("This department has already reported back.")]})
    if summons.checked_in_at is None:
        summons_check_in(summons=summons, actor=actor)
        summons.refresh_from_db()
    summons.report = report
    summons.reported_at = timezone.now()
    summons.reported_by = actor
    summons.save(update_fields=["report", "reported_at", "reported_by"])
    case = lock_case(summons.case_id)
    save_with_event(
        case,
        fields=[],
        actor=actor,
        action=CaseAction.DEPARTMENT_REPORT,
        note=report,
        data={"department": summons.department_id, "name": summons.department.name},
    )
    notify_case(
        case,
        [summons.summoned_by_id, case.handler_id],
        message("case.summons_reported", dept=summons.department.name, title=case_title(case)),
        report,
        skip=actor,
    )
    return summons
