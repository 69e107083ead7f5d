"""The demo's cases: every state and ending, real numbers and history, work waiting in the demo users' inboxes."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from cases import selectors, services
from cases.models import (
    Case,
    CaseAction,
    CaseCategory,
    CaseEvent,
    CaseLevel,
    CaseNumberCounter,
    CaseState,
    Channel,
    Department,
    FollowUp,
    Mediation,
    MediationParty,
    Patrol,
    Satisfaction,
    Summons,
)
from cases.services.transitions import department_for
from fixtures.demo.cases import DEPARTMENTS
from fixtures.demo.places import FOCUS_COMMUNITY, FOCUS_GRID, FOCUS_STREET, SECOND_COMMUNITY, counties
from fixtures.demo.reset import reset_demo
from grids.validators import validate_phone
from notifications.models import Notification

# Each test builds the demo district: slow, run by `make test-slow` (and CI), not by `make test`.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SMALL = 0.05
NUMBER = re.compile(r"^(\d{6})-(\d{4})-(\d{6})$")
CASE_MODELS = (Case, CaseEvent, Summons, FollowUp, Mediation, MediationParty, Patrol, Department, CaseNumberCounter)


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def user(username: str) -> User:
    return User.objects.get(username=username)


def case_rows() -> dict[str, int]:
    return {model.__name__: model._base_manager.count() for model in CASE_MODELS} | {
        "notifications": Notification.objects.count(),
        "department staff": Department.staff.through.objects.count(),
    }


@pytest.fixture
def demo():
    return load(scale=SMALL)


def test_cases_in_every_state_level_and_channel_with_honest_endings(demo):
    cases = Case.objects.all()
    assert cases.count() >= 30
    assert set(cases.values_list("state", flat=True)) == set(CaseState.values)
    assert set(cases.values_list("level", flat=True)) == set(CaseLevel.values)
    assert {Channel.PATROL, Channel.RESIDENT, Channel.SNAPSHOT, Channel.HOTLINE} <= set(
        cases.values_list("channel", flat=True)
    )
    # All in the street where the demo logins work.
    assert not cases.exclude(region_code__startswith=FOCUS_STREET).exists()
    # Endings say who and why.
    for case in cases.filter(state__in=[CaseState.REJECTED, CaseState.UNRESOLVABLE]):
        assert case.closure_reason and case.closed_at
        assert case.events.filter(action__in=[CaseAction.REJECT, CaseAction.UNRESOLVABLE]).exclude(actor=None).exists()
    for case in cases.filter(state=CaseState.DUPLICATE):
        assert case.duplicate_of.building_id == case.building_id
        assert case.duplicate_of.events.filter(action=CaseAction.LINK_REPORT).exists()
    closed = cases.filter(state=CaseState.CLOSED)
    assert set(closed.values_list("closed_level", flat=True)) == set(CaseLevel.values)
    assert closed.filter(escalation_count__gt=0).exists()
    assert closed.filter(was_overdue=True, closed_on_time=False).exists()  # went up when its limit passed
    assert CaseEvent.objects.filter(action=CaseAction.AUTO_ESCALATE, actor=None).exists()
    assert set(FollowUp.objects.values_list("satisfaction", flat=True)) == set(Satisfaction.values)
    assert CaseEvent.objects.filter(action=CaseAction.REOPEN).exists()
    assert cases.filter(is_unreasonable=True).exists()
    # Names and phones of reporters are there where a worker filed for a resident, and they are valid.
    on_behalf = cases.filter(channel__in=[Channel.RESIDENT, Channel.HOTLINE])
    assert on_behalf.exists() and not on_behalf.filter(reporter_name="").exists()
    for phone in cases.exclude(reporter_phone="").values_list("reporter_phone", flat=True):
        validate_phone(phone)


def test_numbers_are_unique_well_formed_and_follow_the_filing_order(demo):
    rows = list(Case.objects.order_by("created_at", "pk").values_list("number", "region_code", "created_at"))
    numbers = [number for number, _code, _at in rows]
    assert len(set(numbers)) == len(numbers)
    sequences = []
    for number, region_code, created_at in rows:
        county, year, sequence = NUMBER.match(number).groups()
        assert county == region_code[:6]
        assert int(year) == timezone.localtime(created_at).year
        sequences.append(int(sequence))
    # Numbered when filed; only a repeat report filed within the story of its original comes a little early.
    out_of_order = sum(1 for before, after in zip(sequences, sequences[1:], strict=False) if after < before)
    assert out_of_order <= Case.objects.filter(state=CaseState.DUPLICATE).count()
    for counter in CaseNumberCounter.objects.all():
        top = max(int(n[-6:]) for n in numbers if n.startswith(f"{counter.county_code}-{counter.year}-"))
        assert counter.last == top


def test_history_lies_in_the_last_three_months_in_order(demo):
    now = timezone.now()
    # The services ran on a simulated clock; it is the real one again.
    assert abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert not CaseEvent.objects.filter(created_at__gt=now).exists()
    assert not Case.objects.filter(created_at__lt=now - dt.timedelta(days=100)).exists()
    assert Case.objects.filter(created_at__lt=now - dt.timedelta(days=30)).exists()
    assert Case.objects.filter(created_at__gt=now - dt.timedelta(days=3)).exists()
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].action == CaseAction.SUBMIT and events[0].created_at == case.created_at
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert case.updated_at >= events[-1].created_at - dt.timedelta(seconds=1)
    # Rows the services date with the real clock are dated by their story, not by the moment of loading.
    for patrol in Patrol.objects.all():
        assert timezone.localdate(patrol.created_at) == patrol.date
    visits = set(CaseEvent.objects.filter(action=CaseAction.FOLLOW_UP).values_list("case_id", "created_at"))
    assert set(FollowUp.objects.values_list("case_id", "created_at")) == visits
    for mediation in Mediation.objects.select_related("case"):
        assert mediation.case.created_at < mediation.created_at <= mediation.case.updated_at
    # Old notifications have been read; the newest wait.
    old = Notification.objects.filter(created_at__lt=now - dt.timedelta(days=2))
    assert old.exists() and not old.filter(read_at=None).exists()
    assert Notification.objects.filter(read_at=None).exists()


def test_departments_summonses_mediation_and_patrols(demo):
    for county in counties():
        departments = Department.objects.filter(region__code=county.code)
        assert departments.count() == len(DEPARTMENTS), county.name
        assert not departments.filter(duties=None).exists()
    lights = Case(category=CaseCategory.objects.get(code="CM01-05"), region_code=FOCUS_GRID)
    assert department_for(lights).name == "利通区供电公司"  # the narrow duty list wins over 城管执法局's 市容环境

    department = user("department").departments.get()
    assert department.name == "利通区住建局" and FOCUS_STREET.startswith(department.region_code)
    assert set(department.duties.values_list("code", flat=True)) == {"GA03", "PS01"}
    summonses = Summons.objects.select_related("department")
    late = [s for s in summonses if s.checked_in_at and s.checked_in_late]
    assert late and CaseEvent.objects.filter(action=CaseAction.CHECK_IN, data__late=True).exists()
    assert summonses.filter(reported_at__isnull=False).exists()
    assert summonses.filter(department__name="利通区交通运输局", checked_in_at=None).exists()

    mediation = Mediation.objects.filter(concluded_at__isnull=False).first()
    assert mediation.case.category.parent.code == "GA02"
    assert mediation.parties.count() == 2 and mediation.sessions.exists() and mediation.outcome
    for phone in MediationParty.objects.values_list("phone", flat=True):
        validate_phone(phone)

    patrols = Patrol.objects.all()
    assert patrols.filter(buildings__isnull=False).exists()
    assert {p.patroller.username for p in patrols.select_related("patroller")} <= {
        "grid",
        "grid2",
        "gridpart",
        "gridaux",
        "microgrid",
    }
    for patrol in patrols.prefetch_related("buildings"):
        assert all(b.region_code.startswith(patrol.region_code[:15]) for b in patrol.buildings.all())
    assert CaseEvent.objects.filter(action=CaseAction.SUBMIT, data__has_key="patrol").exists()


def test_demo_users_find_work_waiting_and_only_in_their_places(demo):
    grid = user("grid")
    waiting = list(selectors.inbox(user=grid))
    assert waiting and all(case.region_code.startswith(FOCUS_GRID) for case in waiting)
    assert any(case.handler_id == grid.pk for case in waiting)
    assert any(case.is_overdue for case in waiting)
    assert selectors.inbox(user=user("community")).exists()
    assert selectors.inbox(user=user("street")).exists()

    department = user("department")
    pending = list(selectors.department_inbox(user=department))
    assert pending and all(s.reported_at is None for s in pending)
    assert any(s.checked_in_at is None for s in pending)
    assert Case.objects.visible_to(department).filter(pk=pending[0].case_id).exists()
    assert selectors.inbox(user=department).filter(level=CaseLevel.DEPARTMENT).exists()

    # Each community worker sees the cases of their own community only.
    outsider = user("community2")
    assert Case.objects.visible_to(outsider).exists()
    assert not Case.objects.visible_to(outsider).filter(region_code__startswith=FOCUS_COMMUNITY).exists()
    assert not Case.objects.visible_to(user("community")).filter(region_code__startswith=SECOND_COMMUNITY).exists()


def test_the_first_sweep_escalates_the_cases_overdue_now_once(demo):
    overdue = {c.pk: c for c in Case.objects.overdue()}
    assert 3 <= len(overdue) <= 10
    community = user("community")
    before = set(selectors.inbox(user=community).values_list("pk", flat=True))

    result = services.sweep_deadlines()

    assert result.escalated + result.overdue_noticed == len(overdue)
    assert result.escalated >= 3 and result.summons_late >= 1
    moved = Case.objects.filter(pk__in=overdue, escalation_count__gt=0, events__action=CaseAction.AUTO_ESCALATE)
    for case in moved.distinct():
        event = case.events.filter(action=CaseAction.AUTO_ESCALATE).latest("created_at")
        assert event.to_level == case.level != overdue[case.pk].level
    assert set(selectors.inbox(user=community).values_list("pk", flat=True)) > before
    assert services.sweep_deadlines().escalated == 0


def test_loading_again_adds_no_case_rows(demo):
    before = case_rows()
    assert before["Case"] and before["Department"] and before["Patrol"]
    assert "already loaded" in load(scale=SMALL)
    assert case_rows() == before


def test_reset_removes_the_case_data_and_a_reload_numbers_from_one(demo):
    reset_demo()
    assert all(count == 0 for count in case_rows().values()), case_rows()
    load(scale=SMALL)
    first = Case.objects.order_by("created_at", "pk").first()
    assert first.number == f"640302-{timezone.localtime(first.created_at).year}-000001"
    assert Case.objects.filter(state=CaseState.CLOSED).exists()
