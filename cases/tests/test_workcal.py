"""Deadlines in working time, the precedence of time limits, and loading the reference data.

Times in the tables are Asia/Shanghai wall-clock times; the default calendar works 08:30–12:00 and
14:30–18:00 (420 minutes a day), Monday to Friday, with the State Council holidays of 2025 and 2026.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cases.models import (
    CalendarDay,
    CalendarDayKind,
    CaseCategory,
    CaseLevel,
    CategoryKind,
    TimeLimitPolicy,
    Urgency,
    WorkCalendar,
)
from cases.reference_data import CALENDAR_DAYS, CATEGORY_TREE, DEFAULT_CALENDAR_NAME, TIME_LIMITS, load_case_reference
from cases.workcal import BUILTIN_LIMITS, PolicyCache, WorkingTime, hours_to_minutes, policy_minutes

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 420  # working minutes of one full day


def at(text: str) -> dt.datetime:
    """'2025-03-03 09:00' (Asia/Shanghai) as an aware datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


@pytest.fixture
def national(db) -> WorkingTime:
    load_case_reference()
    return WorkingTime.load()


# ---------------------------------------------------------------------- add / minutes_between

# (what, start, working minutes, expected end)
ADD_CASES = [
    ("same morning", "2025-03-03 09:00", 60, "2025-03-03 10:00"),
    ("ends exactly at noon", "2025-03-03 11:00", 60, "2025-03-03 12:00"),
    ("crossing lunch", "2025-03-03 11:30", 60, "2025-03-03 15:00"),
    ("ends exactly at closing time", "2025-03-03 17:00", 60, "2025-03-03 18:00"),
    ("crossing the evening", "2025-03-03 17:00", 120, "2025-03-04 09:30"),
    ("a whole day from opening", "2025-03-03 08:30", DAY, "2025-03-03 18:00"),
    ("three whole days", "2025-03-03 08:30", 3 * DAY, "2025-03-05 18:00"),
    ("Friday afternoon over the weekend", "2025-03-07 16:00", 180, "2025-03-10 09:30"),
    ("a week from Wednesday noon", "2025-03-05 12:00", 5 * DAY, "2025-03-12 12:00"),
    ("into National Day 2025", "2025-09-30 17:00", 120, "2025-10-09 09:30"),
    ("make-up Sunday before National Day 2025", "2025-09-26 17:00", 120, "2025-09-28 09:30"),
    ("make-up Saturday after National Day 2025", "2025-10-10 17:00", 120, "2025-10-11 09:30"),
    ("after the make-up Saturday comes Monday", "2025-10-11 17:00", 120, "2025-10-13 09:30"),
    ("New Year 2026 and its make-up Sunday", "2025-12-31 17:00", 120, "2026-01-04 09:30"),
    ("make-up Saturday before Spring Festival 2026", "2026-02-13 17:00", 120, "2026-02-14 09:30"),
    ("over Spring Festival 2026", "2026-02-14 17:00", 120, "2026-02-24 09:30"),
    ("make-up Saturday after Spring Festival 2026", "2026-02-27 17:00", 120, "2026-02-28 09:30"),
    ("Spring Festival 2026 in whole days", "2026-02-12 08:30", 4 * DAY, "2026-02-24 18:00"),
    ("25 working days over National Day 2025", "2025-09-01 08:30", 25 * DAY, "2025-10-10 18:00"),
    ("start at 07:00", "2025-03-03 07:00", 30, "2025-03-03 09:00"),
    ("start at 08:30 sharp", "2025-03-03 08:30", 1, "2025-03-03 08:31"),
    ("start at 12:30 (lunch)", "2025-03-03 12:30", 30, "2025-03-03 15:00"),
    ("start at 18:00 sharp", "2025-03-03 18:00", 30, "2025-03-04 09:00"),
    ("start at 20:00", "2025-03-03 20:00", 30, "2025-03-04 09:00"),
    ("start on a Sunday", "2025-03-02 10:00", 30, "2025-03-03 09:00"),
    ("start on a Saturday night", "2025-03-01 23:59", DAY, "2025-03-03 18:00"),
    ("start on a holiday", "2025-10-03 10:00", 30, "2025-10-09 09:00"),
    ("start on a weekday holiday of Spring Festival 2025", "2025-01-30 09:00", 30, "2025-02-05 09:00"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "start", "minutes", "expected"), ADD_CASES, ids=[case[0] for case in ADD_CASES])
def test_add(national, what, start, minutes, expected):
    result = national.add(at(start), minutes)
    assert result == at(expected)
    assert result.utcoffset() == dt.timedelta(0)


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "start", "minutes", "expected"), ADD_CASES, ids=[case[0] for case in ADD_CASES])
def test_minutes_between_is_the_inverse_of_add(national, what, start, minutes, expected):
    assert national.minutes_between(at(start), at(expected)) == minutes


# (what, start, end, working minutes)
BETWEEN_CASES = [
    ("end before start", "2025-03-03 10:00", "2025-03-03 09:00", 0),
    ("empty span", "2025-03-03 10:00", "2025-03-03 10:00", 0),
    ("inside lunch", "2025-03-03 12:05", "2025-03-03 14:25", 0),
    ("a night", "2025-03-03 18:00", "2025-03-04 08:30", 0),
    ("a weekend", "2025-03-08 00:00", "2025-03-10 00:00", 0),
    ("Friday 09:00 to Monday 09:00", "2025-03-07 09:00", "2025-03-10 09:00", DAY),
    ("National Day 2025 itself", "2025-10-01 00:00", "2025-10-09 00:00", 0),
    ("the make-up Saturday", "2025-10-11 00:00", "2025-10-12 00:00", DAY),
    ("Spring Festival fortnight 2026", "2026-02-14 00:00", "2026-03-01 00:00", 6 * DAY),
    # 261 weekdays a year, less the weekday holidays, plus the make-up days: 261 - 18 + 5 and 261 - 19 + 6.
    ("the whole of 2025", "2025-01-01 00:00", "2026-01-01 00:00", 248 * DAY),
    ("the whole of 2026", "2026-01-01 00:00", "2027-01-01 00:00", 248 * DAY),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "start", "end", "minutes"), BETWEEN_CASES, ids=[case[0] for case in BETWEEN_CASES])
def test_minutes_between(national, what, start, end, minutes):
    assert national.minutes_between(at(start), at(end)) == minutes


def _is_working_minute(calendar: WorkingTime, instant: dt.datetime) -> bool:
    local = instant.astimezone(SHANGHAI)
    clock = local.time()
    return calendar.is_working_day(local.date()) and any(start <= clock < end for start, end in calendar.periods)


@pytest.mark.django_db
def test_add_and_minutes_between_agree_with_counting_minute_by_minute(national):
    rng = random.Random(20251001)
    first = at("2025-09-20 00:00")
    for _ in range(25):
        start = first + dt.timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        minutes = rng.randrange(1, 3 * DAY)
        counted, cursor = 0, start
        while counted < minutes:
            counted += _is_working_minute(national, cursor)
            cursor += dt.timedelta(minutes=1)
        assert national.add(start, minutes) == cursor, (start, minutes)

        end = start + dt.timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
        expected = sum(
            _is_working_minute(national, start + dt.timedelta(minutes=m))
            for m in range(int((end - start).total_seconds() // 60))
        )
        assert national.minutes_between(start, end) == expected, (start, end)


def test_seconds_are_kept():
    calendar = WorkingTime()
    start = at("2025-03-03 11:59").replace(second=30)
    assert calendar.add(start, 1) == at("2025-03-03 14:30").replace(second=30)
    assert calendar.minutes_between(start, at("2025-03-03 14:31")) == 1


def test_zero_or_negative_minutes_return_the_start():
    calendar = WorkingTime()
    sunday = at("2025-03-02 10:00")
    assert calendar.add(sunday, 0) is sunday
    assert calendar.add(sunday, -30) is sunday


def test_utc_start_gives_the_same_instant():
    calendar = WorkingTime()
    start = at("2025-03-03 17:00").astimezone(dt.UTC)
    assert calendar.add(start, 120) == at("2025-03-04 09:30")


def test_naive_datetimes_are_refused():
    calendar = WorkingTime()
    with pytest.raises(ValueError):
        calendar.add(dt.datetime(2025, 3, 3, 9, 0), 30)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(ValueError):
        calendar.minutes_between(dt.datetime(2025, 3, 3, 9, 0), at("2025-03-03 10:00"))  # noqa: DTZ001


@pytest.mark.django_db
def test_is_working_day(national):
    assert national.is_working_day(dt.date(2025, 9, 30))
    assert not national.is_working_day(dt.date(2025, 10, 8))  # Wednesday in the National Day holiday
    assert national.is_working_day(dt.date(2025, 10, 11))  # make-up Saturday
    assert not national.is_working_day(dt.date(2025, 10, 12))  # ordinary Sunday
    assert national.is_working_day(dt.date(2026, 2, 14)) and national.is_working_day(dt.date(2026, 2, 28))
    assert not national.is_working_day(dt.date(2026, 2, 23))


# ---------------------------------------------------------------------- loading a calendar


@pytest.mark.django_db
def test_without_any_calendar_row_the_built_in_hours_apply(django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        calendar = WorkingTime.load()
    assert calendar.minutes_per_day == DAY
    # No holidays are known: 1 October is an ordinary Wednesday.
    assert calendar.add(at("2025-09-30 17:00"), 120) == at("2025-10-01 09:30")


@pytest.mark.django_db
def test_loading_reads_at_most_two_queries(national, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        calendar = WorkingTime.load()
    row = WorkCalendar.objects.get(is_default=True)
    with django_assert_max_num_queries(1):
        WorkingTime.load(row)
    assert calendar == national


@pytest.mark.django_db
def test_a_holiday_added_in_the_database_moves_deadlines(national):
    start = at("2025-03-03 17:00")
    assert national.add(start, 120) == at("2025-03-04 09:30")
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2025, 3, 4), kind=CalendarDayKind.HOLIDAY, name="停工")

    reloaded = WorkingTime.load()
    assert reloaded.add(start, 120) == at("2025-03-05 09:30")
    assert reloaded.minutes_between(start, at("2025-03-05 09:30")) == 120
    # The snapshot taken before the change keeps its answer.
    assert national.add(start, 120) == at("2025-03-04 09:30")


@pytest.mark.django_db
def test_edited_office_hours_and_weekend_are_used(national):
    WorkCalendar.objects.filter(is_default=True).update(
        afternoon_start=dt.time(14, 0), afternoon_end=dt.time(17, 30), weekend_days="7"
    )
    calendar = WorkingTime.load()
    assert calendar.add(at("2025-03-03 11:30"), 60) == at("2025-03-03 14:30")
    # Saturday now works; Sunday still rests.
    assert calendar.add(at("2025-03-07 17:00"), 60) == at("2025-03-08 09:00")
    assert calendar.add(at("2025-03-08 17:00"), 60) == at("2025-03-10 09:00")


@pytest.mark.django_db
def test_a_specific_calendar_can_be_loaded(national):
    other = WorkCalendar.objects.create(name="窗口单位", morning_start=dt.time(9, 0), weekend_days="1")
    calendar = WorkingTime.load(other)
    # No holidays on this calendar, and Monday is its day off.
    assert calendar.add(at("2025-10-01 08:30"), 30) == at("2025-10-01 09:30")
    assert calendar.add(at("2025-03-02 17:30"), 60) == at("2025-03-04 09:30")


@pytest.mark.django_db
def test_a_calendar_without_working_days_raises_instead_of_looping():
    WorkCalendar.objects.create(name="全休", is_default=True, weekend_days="1,2,3,4,5,6,7")
    calendar = WorkingTime.load()
    with pytest.raises(ValueError):
        calendar.add(at("2025-03-03 09:00"), 30)
    assert calendar.minutes_between(at("2025-03-03 09:00"), at("2026-03-03 09:00")) == 0


# ---------------------------------------------------------------------- time limits


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [(Decimal("0.5"), 30), (Decimal("1.25"), 75), (Decimal("0.01"), 1), (21, 1260), (2.5, 150), (Decimal("0"), 0)],
)
def test_hours_to_minutes(hours, minutes):
    assert hours_to_minutes(hours) == minutes


@pytest.fixture
def tree(db):
    top = CaseCategory.objects.create(code="T1", name="安全隐患", kind=CategoryKind.GRID_AFFAIR)
    sub = CaseCategory.objects.create(code="T1-01", name="燃气隐患", kind=CategoryKind.GRID_AFFAIR, parent=top)
    sibling = CaseCategory.objects.create(code="T1-02", name="楼道堆物", kind=CategoryKind.GRID_AFFAIR, parent=top)
    return top, sub, sibling


def _policy(category, level, urgency, accept, handle, verify):
    return TimeLimitPolicy.objects.create(
        category=category,
        level=level,
        urgency=urgency,
        accept_hours=Decimal(accept),
        handle_hours=Decimal(handle),
        verify_hours=Decimal(verify),
    )


def test_policy_precedence(tree):
    top, sub, sibling = tree
    grid, normal = CaseLevel.GRID, Urgency.NORMAL

    assert policy_minutes(category=sub, level=grid, urgency=normal) == (480, 1440, 480)
    assert policy_minutes(category=sub, level=grid, urgency=Urgency.URGENT) == (120, 480, 240)

    _policy(None, grid, normal, "2", "21", "7")
    assert policy_minutes(category=sub, level=grid, urgency=normal) == (120, 1260, 420)

    _policy(top, grid, normal, "1", "14", "7")
    assert policy_minutes(category=sub, level=grid, urgency=normal) == (60, 840, 420)
    assert policy_minutes(category=top, level=grid, urgency=normal) == (60, 840, 420)

    _policy(sub, grid, normal, "0.25", "0.5", "1")
    assert policy_minutes(category=sub, level=grid, urgency=normal) == (15, 30, 60)
    # The sibling still follows the parent; other levels and urgencies are not touched.
    assert policy_minutes(category=sibling, level=grid, urgency=normal) == (60, 840, 420)
    assert policy_minutes(category=sub, level=CaseLevel.COMMUNITY, urgency=normal) == BUILTIN_LIMITS["normal"]
    assert policy_minutes(category=sub, level=grid, urgency=Urgency.URGENT) == BUILTIN_LIMITS["urgent"]


def test_policy_minutes_uses_one_query(tree, django_assert_num_queries):
    _top, sub, _sibling = tree
    with django_assert_num_queries(1):
        policy_minutes(category=sub, level=CaseLevel.GRID, urgency=Urgency.NORMAL)


def test_unknown_level_or_urgency_is_refused(tree):
    _top, sub, _sibling = tree
    with pytest.raises(ValueError):
        policy_minutes(category=sub, level="province", urgency=Urgency.NORMAL)
    with pytest.raises(ValueError):
        PolicyCache().minutes(category_id=sub.pk, parent_id=sub.parent_id, level=CaseLevel.GRID, urgency="soon")


def test_policy_cache_matches_policy_minutes_in_one_query(tree, django_assert_num_queries):
    top, sub, sibling = tree
    _policy(None, CaseLevel.GRID, Urgency.NORMAL, "2", "21", "7")
    _policy(top, CaseLevel.GRID, Urgency.NORMAL, "1", "14", "7")
    _policy(sub, CaseLevel.GRID, Urgency.URGENT, "0.25", "0.5", "1")
    _policy(None, CaseLevel.STREET, Urgency.URGENT, "1", "7", "7")
    combinations = [
        (category, level, urgency) for category in tree for level in CaseLevel.values for urgency in Urgency.values
    ]
    expected = [policy_minutes(category=c, level=lv, urgency=u) for c, lv, u in combinations]

    cache = PolicyCache()
    with django_assert_num_queries(1):
        for _round in range(2):
            got = [
                cache.minutes(category_id=c.pk, parent_id=c.parent_id, level=lv, urgency=u) for c, lv, u in combinations
            ]
            assert got == expected


# ---------------------------------------------------------------------- the reference data


@pytest.mark.django_db
def test_reference_data_loads_once():
    created = load_case_reference()
    categories = len(CATEGORY_TREE) + sum(len(children) for *_top, children in CATEGORY_TREE)
    assert created == {
        "categories": categories,
        "time_limits": len(TIME_LIMITS),
        "calendars": 1,
        "calendar_days": len(CALENDAR_DAYS),
    }
    assert load_case_reference() == {"categories": 0, "time_limits": 0, "calendars": 0, "calendar_days": 0}
    assert CaseCategory.objects.count() == categories
    assert WorkCalendar.objects.get(is_default=True).name == DEFAULT_CALENDAR_NAME


@pytest.mark.django_db
def test_reference_data_keeps_admin_edits_and_restores_deleted_rows():
    load_case_reference()
    CaseCategory.objects.filter(code="GA03-01").update(name="电动车飞线充电", is_active=False)
    TimeLimitPolicy.objects.filter(category=None, level=CaseLevel.GRID, urgency=Urgency.NORMAL).update(
        handle_hours=Decimal("28")
    )
    CalendarDay.objects.filter(date=dt.date(2025, 10, 8)).update(name="国庆加班", kind=CalendarDayKind.WORKDAY)
    CaseCategory.objects.filter(code="PS01-06").delete()

    assert load_case_reference() == {"categories": 1, "time_limits": 0, "calendars": 0, "calendar_days": 0}
    edited = CaseCategory.objects.get(code="GA03-01")
    assert (edited.name, edited.is_active) == ("电动车飞线充电", False)
    default = TimeLimitPolicy.objects.get(category=None, level=CaseLevel.GRID, urgency=Urgency.NORMAL)
    assert default.handle_hours == Decimal("28")
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 8)).kind == CalendarDayKind.WORKDAY
    assert CaseCategory.objects.get(code="PS01-06").parent.code == "PS01"


@pytest.mark.django_db
def test_reference_data_leaves_another_default_calendar_alone():
    WorkCalendar.objects.create(name="本区日历", is_default=True)
    load_case_reference()
    assert WorkCalendar.objects.get(is_default=True).name == "本区日历"
    assert not WorkCalendar.objects.get(name=DEFAULT_CALENDAR_NAME).is_default


@pytest.mark.django_db
def test_reference_data_is_consistent():
    load_case_reference()
    tops = CaseCategory.objects.filter(parent=None).prefetch_related("children")
    assert {top.name for top in tops} >= {"安全隐患", "矛盾纠纷", "市容环境", "突发事件", "物业服务"}
    for top in tops:
        children = list(top.children.all())
        assert 3 <= len(children) <= 6, top.name
        assert all(child.kind == top.kind for child in children)
        assert all(child.code.startswith(f"{top.code}-") for child in children)
    defaults = set(TimeLimitPolicy.objects.filter(category=None).values_list("level", "urgency"))
    assert defaults == {(level, urgency) for level in CaseLevel.values for urgency in Urgency.values}
    for date, kind, _name in CALENDAR_DAYS:
        if kind == CalendarDayKind.WORKDAY:
            assert date.isoweekday() in (6, 7), date


@pytest.mark.django_db
def test_grid_normal_default_gives_three_working_days(national):
    category = CaseCategory.objects.get(code="GA01-01")
    accept, handle, verify = policy_minutes(category=category, level=CaseLevel.GRID, urgency=Urgency.NORMAL)
    assert (accept, handle, verify) == (120, 3 * DAY, DAY)
    assert national.add(at("2025-09-30 08:30"), handle) == at("2025-10-10 18:00")
    # Emergencies are tighter than the default, a gas leak tighter than its class.
    emergency = CaseCategory.objects.get(code="CM05-01")
    gas = CaseCategory.objects.get(code="CM05-03")
    urgent = policy_minutes(category=category, level=CaseLevel.GRID, urgency=Urgency.URGENT)
    assert policy_minutes(category=emergency, level=CaseLevel.GRID, urgency=Urgency.URGENT) < urgent
    assert (
        policy_minutes(category=gas, level=CaseLevel.GRID, urgency=Urgency.URGENT)[1]
        < policy_minutes(category=emergency, level=CaseLevel.GRID, urgency=Urgency.URGENT)[1]
    )


@pytest.mark.django_db
def test_management_command_reports_what_it_created():
    out = StringIO()
    call_command("load_case_reference", stdout=out)
    assert f"Created {len(CALENDAR_DAYS)} calendar days" in out.getvalue()
    out = StringIO()
    call_command("load_case_reference", stdout=out)
    assert "nothing to create" in out.getvalue()
