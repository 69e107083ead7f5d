"""The case state machine through its services: who may do what, events, deadlines, the sweep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from cases import services
from cases.models import Case, CaseAction, CaseEvent, CaseLevel, CaseState, Satisfaction, Summons
from cases.services.access import allowed_actions
from cases.workcal import WorkingTime, policy_minutes
from notifications.models import Notification
from tests.case_factories import file_case
from tests.factories import UserFactory, assign

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def actions(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


def _close(w, case):
    case = services.case_dispatch(case=case, actor=w.u.grid_a1)
    case = services.case_resolve(case=case, actor=w.u.grid_a1, resolution="已清理")
    return services.case_verify(case=case, actor=w.u.community, ok=True)


# ---------------------------------------------------------------- filing


def test_filed_case_gets_number_place_deadline_and_notifies_the_grid(case_world):
    w = case_world
    before = timezone.now()
    case = file_case(w, building=w.t.building_a1)
    year = timezone.localdate().year
    assert case.number == f"640302-{year}-000001"
    assert file_case(w).number == f"640302-{year}-000002"
    # The building lies in micro-grid A1-1: the case is filed at the deepest place known.
    assert case.region_code == w.t.micro_a1.code and case.estate == w.t.estate_a
    assert (case.state, case.level) == (CaseState.SUBMITTED, CaseLevel.GRID)
    accept, _handle, _verify = policy_minutes(category=w.category, level="grid", urgency="normal")
    expected = WorkingTime.load().add(case.created_at, accept)
    assert case.due_at == expected and case.due_at > before
    assert case.remind_at < case.due_at
    assert actions(case) == [CaseAction.SUBMIT]
    # The reporter is not told about their own case; nobody outside grid A1 is told at all.
    notified = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert notified == set()
    other = services.case_create(
        reporter=w.u.community, region=w.t.grid_a1, category=w.category, title="飞线充电", channel="patrol"
    )
    notified = set(Notification.objects.filter(case=other).values_list("recipient__username", flat=True))
    assert notified == {"grid_a1"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"channel": "resident"}, "reporter_name"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"latitude": Decimal("38.0")}, "latitude"),
        ({"latitude": Decimal("80"), "longitude": Decimal("106.2")}, "latitude"),
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_nothing_saved(case_world, extra, field):
    with pytest.raises(ValidationError) as exc:
        file_case(case_world, **extra)
    assert field in exc.value.message_dict
    assert not Case.objects.exists()


def test_a_building_of_another_grid_and_a_top_category_are_refused(case_world):
    w = case_world
    b1 = w.t.hh_b1[0].unit.building
    with pytest.raises(ValidationError) as exc:
        file_case(w, building=b1, category=w.category.parent)
    assert {"building", "category"} <= set(exc.value.message_dict)


def test_uploads_are_sniffed_not_trusted_by_name(case_world):
    w = case_world
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        file_case(w, uploads=[fake])
    assert "uploads" in exc.value.message_dict
    assert not Case.objects.exists()
    case = file_case(w, uploads=[SimpleUploadedFile("x.jpg", PNG, content_type="image/jpeg")])
    attachment = case.attachments.get()
    assert attachment.content_type == "image/png" and attachment.file.name.endswith(".png")


def test_only_people_of_the_place_may_file(case_world):
    w = case_world
    for user in (w.u.outsider, w.u.official, w.u.nobody):
        with pytest.raises(PermissionDenied):
            file_case(w, reporter=user)


def test_handle_now_takes_the_case_on_the_spot(case_world):
    case = file_case(case_world, handle_now=True)
    assert case.state == CaseState.IN_PROGRESS and case.handler == case_world.u.grid_a1
    assert actions(case) == [CaseAction.SUBMIT, CaseAction.DISPATCH]


# ---------------------------------------------------------------- the happy path and its rules


def test_full_life_accept_dispatch_resolve_verify(case_world):
    w = case_world
    case = file_case(w)
    case = services.case_accept(case=case, actor=w.u.grid_a1)
    assert case.state == CaseState.ACCEPTED and case.handler == w.u.grid_a1
    case = services.case_dispatch(case=case, actor=w.u.grid_a1)
    case = services.case_resolve(case=case, actor=w.u.grid_a1, resolution="已清理楼道")
    assert case.state == CaseState.RESOLVED
    with pytest.raises(PermissionDenied):
        services.case_verify(case=case, actor=w.u.grid_a1, ok=True)  # the handler never verifies
    case = services.case_verify(case=case, actor=w.u.community, ok=True)
    assert (case.state, case.closed_level, case.closed_on_time) == (CaseState.CLOSED, CaseLevel.GRID, True)
    assert case.due_at is None
    assert actions(case) == ["submit", "accept", "dispatch", "resolve", "verify_ok"]
    transitions = list(case.events.exclude(from_state="").values_list("from_state", "to_state"))
    assert transitions == [
        ("submitted", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
    ]


def test_verification_failed_sends_it_back_with_a_new_limit(case_world):
    w = case_world
    case = services.case_resolve(case=file_case(w, handle_now=True), actor=w.u.grid_a1, resolution="处理了")
    with pytest.raises(ValidationError):
        services.case_verify(case=case, actor=w.u.community, ok=False, note="")
    case = services.case_verify(case=case, actor=w.u.community, ok=False, note="现场仍有杂物")
    assert case.state == CaseState.IN_PROGRESS and case.due_at > timezone.now()


def test_wrong_state_is_a_conflict_and_changes_nothing(case_world):
    w = case_world
    case = services.case_accept(case=file_case(w), actor=w.u.grid_a1)
    with pytest.raises(services.CaseConflict):
        services.case_accept(case=case, actor=w.u.grid_a1)
    with pytest.raises(services.CaseConflict):
        services.case_resolve(case=case, actor=w.u.grid_a1, resolution="x")
    assert actions(case) == ["submit", "accept"]


def test_stale_version_is_a_conflict(case_world):
    w = case_world
    case = file_case(w)
    seen = case.version
    services.case_edit(case=case, actor=w.u.grid_a1, expected_version=seen, changes={"title": "新标题"})
    with pytest.raises(services.CaseConflict):
        services.case_edit(case=case, actor=w.u.grid_a1, expected_version=seen, changes={"title": "旧的覆盖"})
    case.refresh_from_db()
    assert case.title == "新标题"
    with pytest.raises(services.CaseConflict):
        services.case_accept(case=case, actor=w.u.grid_a1, expected_version=seen)


def test_other_grids_and_read_only_roles_may_not_act(case_world):
    w = case_world
    case = file_case(w)
    for user in (w.u.grid_a2, w.u.official, w.u.steward):
        with pytest.raises(PermissionDenied):
            services.case_accept(case=case, actor=user)
    assert allowed_actions(w.u.official, case) == set()
    assert "accept" in allowed_actions(w.u.grid_a1, case)
    assert "accept" not in allowed_actions(w.u.community, case)  # a grid case is the grid's to accept


def test_return_down_and_reject_need_reasons(case_world):
    w = case_world
    case = services.case_escalate(case=file_case(w), actor=w.u.grid_a1, reason="需社区协调")
    assert case.level == CaseLevel.COMMUNITY and case.state == CaseState.SUBMITTED
    with pytest.raises(ValidationError):
        services.case_return(case=case, actor=w.u.community, reason=" ")
    case = services.case_return(case=case, actor=w.u.community, reason="网格可自行处理")
    assert case.level == CaseLevel.GRID
    case = services.case_reject(case=case, actor=w.u.grid_a1, reason="属于司法程序")
    assert case.state == CaseState.REJECTED and case.closure_reason == "属于司法程序"
    event = case.events.get(action=CaseAction.REJECT)
    assert event.actor == w.u.grid_a1 and event.note == "属于司法程序"


def test_hold_pauses_the_clock_and_resume_keeps_the_time_left(case_world):
    w = case_world
    case = file_case(w, handle_now=True)
    wt = WorkingTime.load()
    now = timezone.now()
    left = wt.minutes_between(now, case.due_at)
    case = services.case_hold(case=case, actor=w.u.grid_a1, reason="等待配件")
    assert case.state == CaseState.ON_HOLD and case.due_at is None
    assert abs(case.held_minutes_left - left) <= 1
    case = services.case_resume(case=case, actor=w.u.grid_a1)
    assert case.state == CaseState.IN_PROGRESS
    assert abs(wt.minutes_between(timezone.now(), case.due_at) - left) <= 1


def test_escalation_reaches_the_department_on_duty(case_world):
    w = case_world
    case = file_case(w)
    case = services.case_escalate(case=case, actor=w.u.grid_a1, reason="超出网格能力")
    case = services.case_escalate(case=case, actor=w.u.community, reason="需街道协调")
    assert case.level == CaseLevel.STREET
    case = services.case_escalate(case=case, actor=w.street, reason="需主管部门")
    assert case.level == CaseLevel.DEPARTMENT and case.department == w.department
    assert Notification.objects.filter(case=case, recipient=w.dept_user).exists()
    assert "accept" in allowed_actions(w.dept_user, case)
    assert case.escalation_count == 3


def test_no_department_on_duty_means_summon_instead(case_world):
    w = case_world
    w.department.duties.clear()
    case = file_case(w)
    case = services.case_escalate(case=case, actor=w.u.grid_a1, reason="a")
    case = services.case_escalate(case=case, actor=w.u.community, reason="b")
    with pytest.raises(ValidationError) as exc:
        services.case_escalate(case=case, actor=w.street, reason="c")
    assert "department" in exc.value.message_dict


def test_duplicate_points_at_the_original_and_counts_the_report(case_world):
    w = case_world
    original = file_case(w, building=w.t.building_a1)
    hints = services.duplicate_candidates(user=w.u.grid_a1, category=w.category, building=w.t.building_a1)
    assert hints == [original]
    second = file_case(w, building=w.t.building_a1)
    second = services.case_mark_duplicate(case=second, actor=w.u.grid_a1, original=original)
    assert second.state == CaseState.DUPLICATE and second.duplicate_of == original
    original.refresh_from_db()
    assert original.report_count == 2


def test_duplicate_hints_by_distance(case_world):
    w = case_world
    near = file_case(w, latitude=Decimal("37.985000"), longitude=Decimal("106.199000"))
    file_case(w, latitude=Decimal("37.990000"), longitude=Decimal("106.199000"))  # ~550 m north
    hints = services.duplicate_candidates(
        user=w.u.grid_a1, category=w.category, latitude=Decimal("37.985500"), longitude=Decimal("106.199300")
    )
    assert hints == [near]
    # Cases older than a week, or closed, are not offered.
    Case.objects.filter(pk=near.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert (
        services.duplicate_candidates(
            user=w.u.grid_a1, category=w.category, latitude=Decimal("37.985500"), longitude=Decimal("106.199300")
        )
        == []
    )


def test_unresolvable_and_unreasonable_are_for_supervisors(case_world):
    w = case_world
    case = file_case(w, handle_now=True)
    with pytest.raises(PermissionDenied):
        services.case_mark_unresolvable(case=case, actor=w.u.grid_a1, reason="x")
    case = services.case_tag_unreasonable(case=case, actor=w.u.community, reason="要求物业免除全部费用")
    case = services.case_mark_unresolvable(case=case, actor=w.u.community, reason="历史遗留产权问题")
    assert case.state == CaseState.UNRESOLVABLE and case.is_unreasonable


# ---------------------------------------------------------------- follow-up


def test_unsatisfied_follow_up_within_seven_days_reopens(case_world):
    w = case_world
    case = _close(w, file_case(w))
    services.case_follow_up(case=case, actor=w.u.community, satisfaction=Satisfaction.UNSATISFIED, note="没修好")
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and case.handler == w.u.grid_a1
    assert actions(case)[-2:] == [CaseAction.FOLLOW_UP, CaseAction.REOPEN]


def test_unsatisfied_after_seven_days_is_recorded_but_does_not_reopen(case_world):
    w = case_world
    case = _close(w, file_case(w))
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=8))
    follow_up = services.case_follow_up(case=case, actor=w.u.grid_a1, satisfaction=Satisfaction.UNSATISFIED)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and follow_up.satisfaction == "unsatisfied"


def test_the_reporter_may_give_their_own_follow_up(case_world):
    w = case_world
    volunteer = UserFactory(username="vol")
    assign(volunteer, Role.VOLUNTEER, w.t.grid_a1)
    case = file_case(w, reporter=volunteer)
    assert Case.objects.visible_to(volunteer).filter(pk=case.pk).exists()
    case = _close(w, case)
    follow_up = services.case_follow_up(case=case, actor=volunteer, satisfaction=Satisfaction.SATISFIED)
    assert follow_up.by_reporter
    with pytest.raises(PermissionDenied):
        services.case_follow_up(case=case, actor=w.u.outsider, satisfaction=Satisfaction.SATISFIED)


# ---------------------------------------------------------------- 吹哨报到


def test_summons_check_in_report_and_closing_rule(case_world):
    w = case_world
    case = file_case(w, handle_now=True)
    with pytest.raises(PermissionDenied):
        services.case_summon(case=case, actor=w.u.community, departments=[w.department])
    [summons] = services.case_summon(case=case, actor=w.street, departments=[w.department], note="请派员到场")
    assert Case.objects.visible_to(w.dept_user).filter(pk=case.pk).exists()
    with pytest.raises(ValidationError):
        services.case_summon(case=case, actor=w.street, departments=[w.department])  # not twice
    with pytest.raises(PermissionDenied):
        services.summons_check_in(summons=summons, actor=w.u.community)
    case = services.case_resolve(case=case, actor=w.u.grid_a1, resolution="初步处理")
    with pytest.raises(ValidationError):
        services.case_verify(case=case, actor=w.u.community, ok=True)  # the department has not reported
    Summons.objects.filter(pk=summons.pk).update(check_in_due_at=timezone.now() - dt.timedelta(minutes=5))
    summons = services.summons_report(summons=summons, actor=w.dept_user, report="已更换管道")
    assert summons.checked_in_at is not None and summons.checked_in_late
    case = services.case_verify(case=case, actor=w.u.community, ok=True)
    assert case.state == CaseState.CLOSED
    assert {"summon", "check_in", "department_report"} <= set(actions(case))


# ---------------------------------------------------------------- the sweep


def test_sweep_reminds_then_escalates_exactly_once(case_world):
    w = case_world
    case = file_case(w)
    result = services.sweep_deadlines(now=case.remind_at + dt.timedelta(seconds=1))
    assert result.reminded == 1 and result.escalated == 0
    assert services.sweep_deadlines(now=case.remind_at + dt.timedelta(seconds=2)).reminded == 0
    later = case.due_at + dt.timedelta(seconds=1)
    result = services.sweep_deadlines(now=later)
    assert result.escalated == 1
    assert services.sweep_deadlines(now=later).escalated == 0
    case.refresh_from_db()
    assert (case.level, case.state, case.was_overdue, case.escalation_count) == ("community", "submitted", True, 1)
    assert case.due_at > later
    assert actions(case) == ["submit", "remind", "auto_escalate"]
    assert Notification.objects.filter(case=case, recipient=w.u.community).exists()


def test_sweep_flags_what_cannot_go_higher_once(case_world):
    w = case_world
    case = file_case(w)
    for actor in (w.u.grid_a1, w.u.community, w.street):
        case = services.case_escalate(case=case, actor=actor, reason="上报")
    assert case.level == CaseLevel.DEPARTMENT
    later = case.due_at + dt.timedelta(minutes=1)
    assert services.sweep_deadlines(now=later).overdue_noticed == 1
    assert services.sweep_deadlines(now=later + dt.timedelta(hours=1)).overdue_noticed == 0
    case.refresh_from_db()
    assert case.level == CaseLevel.DEPARTMENT and case.was_overdue
    assert Notification.objects.filter(case=case, recipient=w.dept_user, title__contains=case.number).count() >= 2


def test_sweep_leaves_held_and_closed_cases_alone(case_world):
    w = case_world
    held = services.case_hold(case=file_case(w, handle_now=True), actor=w.u.grid_a1, reason="等待")
    closed = _close(w, file_case(w))
    result = services.sweep_deadlines(now=timezone.now() + dt.timedelta(days=60))
    assert result.escalated == 0
    held.refresh_from_db()
    closed.refresh_from_db()
    assert held.state == CaseState.ON_HOLD and closed.state == CaseState.CLOSED


def test_sweep_notices_late_check_ins_once(case_world):
    w = case_world
    case = file_case(w, handle_now=True)
    [summons] = services.case_summon(case=case, actor=w.street, departments=[w.department])
    later = summons.check_in_due_at + dt.timedelta(minutes=1)
    case.refresh_from_db()
    assert services.sweep_deadlines(now=later).summons_late == 1
    assert services.sweep_deadlines(now=later).summons_late == 0
    assert Notification.objects.filter(recipient=w.street, case=case).exists()


# ---------------------------------------------------------------- visibility


def test_outsiders_see_nothing_and_officials_see_their_county(case_world):
    w = case_world
    case = file_case(w)
    assert not Case.objects.visible_to(w.u.outsider).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(w.u.nobody).exists()
    assert Case.objects.visible_to(w.u.official).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(w.u.grid_a2).filter(pk=case.pk).exists() is False


def test_department_staff_see_each_case_once(case_world):
    w = case_world
    colleague = UserFactory(username="colleague")
    assign(colleague, Role.DEPARTMENT_STAFF, w.t.street)
    w.department.staff.add(colleague)
    case = file_case(w)
    for actor in (w.u.grid_a1, w.u.community, w.street):
        case = services.case_escalate(case=case, actor=actor, reason="上报")
    services.case_summon(case=case, actor=w.street, departments=[w.department, w.other_department])
    w.other_department.staff.add(w.dept_user)
    assert list(Case.objects.visible_to(w.dept_user)) == [case]
    assert list(Case.objects.visible_to(colleague)) == [case]


def test_a_second_default_time_limit_for_the_same_level_is_refused(case_reference):
    from cases.models import TimeLimitPolicy

    duplicate = TimeLimitPolicy(
        category=None, level="grid", urgency="normal", accept_hours=1, handle_hours=1, verify_hours=1
    )
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "default time limit" in str(exc.value) or "默认时限" in str(exc.value)


def test_department_work_needs_the_department_staff_role(case_world):
    w = case_world
    volunteer = UserFactory(username="roleless")
    assign(volunteer, Role.VOLUNTEER, w.t.comm_b)
    w.department.staff.add(volunteer)
    case = file_case(w, handle_now=True)
    services.case_summon(case=case, actor=w.street, departments=[w.department])
    assert not Case.objects.visible_to(volunteer).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(w.dept_user).filter(pk=case.pk).exists()


def test_the_department_listing_the_subcategory_itself_is_on_duty(case_world):
    from cases.models import Department
    from cases.services.transitions import department_for

    w = case_world
    case = file_case(w)
    assert department_for(case) == w.department  # 住建局 lists the parent category
    narrow = Department.objects.create(name="消防救援大队", region=w.t.street, region_code=w.t.street.code)
    narrow.duties.add(w.category)
    assert department_for(case) == narrow  # a duty list naming the subcategory wins, whatever the ids
    narrow.is_active = False
    narrow.save()
    assert department_for(case) == w.department
    # The sweep chooses the same way.
    narrow.is_active = True
    narrow.save()
    for actor in (w.u.grid_a1, w.u.community):
        case = services.case_escalate(case=case, actor=actor, reason="上报")
    services.sweep_deadlines(now=case.due_at + dt.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.department == narrow


def test_redrawn_grids_take_their_cases_and_patrols_along(case_world):
    from cases.services.fieldwork import patrol_create
    from grids import services as grid_services

    w = case_world
    case = file_case(w, building=w.t.building_a1)
    patrol = patrol_create(patroller=w.u.grid_a1, region=w.t.micro_a1, notes="巡查")
    grid_services.region_recode(region=w.t.grid_a1, new_code="640302001001009", actor=w.u.admin, reason="网格调整")
    case.refresh_from_db()
    patrol.refresh_from_db()
    assert case.region_code == "64030200100100901" and patrol.region_code == "64030200100100901"
    # The worker of the redrawn grid still has the case in their inbox.
    from accounts.scoping import clear_scope_cache
    from cases.selectors import inbox

    clear_scope_cache(w.u.grid_a1)
    assert case in inbox(user=w.u.grid_a1)
