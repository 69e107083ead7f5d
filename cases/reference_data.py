"""Reference data of cases: the category tree, the time limits and the national working calendar.

The names below are data, not messages to translate: each category has its Chinese name and an
English name (``name_en``), and pages, API and dashboards show the one of the active language
(``CaseCategory.display_name``).
``load_case_reference()`` creates whatever is missing and never changes a row that already exists
(except to give a category without one its English name), so an administrator's edits survive
every later run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypeVar

from django.db import models, transaction

from .models import (
    CalendarDay,
    CalendarDayKind,
    CaseCategory,
    CaseLevel,
    CategoryKind,
    TimeLimitPolicy,
    Urgency,
    WorkCalendar,
)

ModelT = TypeVar("ModelT", bound=models.Model)

# ---------------------------------------------------------------------- categories

# (code, name, English name, kind, [(code, name, English name), ...]): top categories with their
# subcategories, in display order.
# Grid affairs follow the usual grid-member event list; the city-management classes are the event
# classes of the digital city-management standard (GB/T 30428); property services stand alone.
CATEGORY_TREE: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    (
        "GA01",
        "社情民意",
        "Public opinion",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA01-01", "意见建议", "Opinions and suggestions"),
            ("GA01-02", "群众诉求", "Residents' requests"),
            ("GA01-03", "舆情信息", "Public sentiment"),
            ("GA01-04", "表扬感谢", "Praise and thanks"),
        ],
    ),
    (
        "GA02",
        "矛盾纠纷",
        "Disputes",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA02-01", "邻里纠纷", "Neighbour disputes"),
            ("GA02-02", "家庭纠纷", "Family disputes"),
            ("GA02-03", "物业纠纷", "Property management disputes"),
            ("GA02-04", "土地/宅基地纠纷", "Land / homestead disputes"),
            ("GA02-05", "劳资纠纷", "Labour disputes"),
        ],
    ),
    (
        "GA03",
        "安全隐患",
        "Safety hazards",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA03-01", "飞线充电", "Unsafe charging cables"),
            ("GA03-02", "消防通道堵塞", "Blocked fire lanes"),
            ("GA03-03", "楼道堆物", "Items piled in stairwells"),
            ("GA03-04", "燃气隐患", "Gas hazards"),
            ("GA03-05", "危房隐患", "Dangerous buildings"),
            ("GA03-06", "高空坠物隐患", "Falling object hazards"),
        ],
    ),
    (
        "GA04",
        "特殊群体服务",
        "Services for special groups",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA04-01", "独居/空巢老人关爱", "Care for elderly living alone"),
            ("GA04-02", "残疾人帮扶", "Help for people with disabilities"),
            ("GA04-03", "困境/留守儿童关爱", "Care for children in difficulty or left behind"),
            ("GA04-04", "社区矫正与安置帮教", "Community corrections and resettlement"),
            ("GA04-05", "严重精神障碍患者服务管理", "Care for people with severe mental illness"),
        ],
    ),
    (
        "GA05",
        "民生服务/代办",
        "Public services and errands",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA05-01", "社保医保代办", "Social and medical insurance errands"),
            ("GA05-02", "证照代办", "Licence and certificate errands"),
            ("GA05-03", "低保与临时救助申请", "Subsistence allowance and emergency aid"),
            ("GA05-04", "就业帮扶", "Employment help"),
            ("GA05-05", "养老服务", "Elderly care services"),
        ],
    ),
    (
        "GA06",
        "信息采集",
        "Information collection",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA06-01", "人口信息变动", "Population changes"),
            ("GA06-02", "房屋信息变动", "Housing changes"),
            ("GA06-03", "出租房屋登记", "Rented housing registration"),
            ("GA06-04", "流动人口登记", "Migrant population registration"),
            ("GA06-05", "单位/商户信息", "Organisations and shops"),
        ],
    ),
    (
        "GA07",
        "政策宣传",
        "Policy outreach",
        CategoryKind.GRID_AFFAIR,
        [
            ("GA07-01", "惠民政策宣传", "Welfare policy outreach"),
            ("GA07-02", "法治宣传", "Legal education"),
            ("GA07-03", "反诈宣传", "Anti-fraud outreach"),
            ("GA07-04", "安全生产与防灾减灾宣传", "Work safety and disaster prevention outreach"),
        ],
    ),
    (
        "CM01",
        "市容环境",
        "City appearance and environment",
        CategoryKind.CITY_MANAGEMENT,
        [
            ("CM01-01", "垃圾清运", "Waste collection"),
            ("CM01-02", "道路不洁", "Dirty roads"),
            ("CM01-03", "私搭乱建", "Illegal structures"),
            ("CM01-04", "污水管道破损", "Broken sewage pipes"),
            ("CM01-05", "路灯损坏", "Broken street lights"),
            ("CM01-06", "油烟噪声污染", "Cooking fumes and noise"),
        ],
    ),
    (
        "CM02",
        "宣传广告",
        "Advertising",
        CategoryKind.CITY_MANAGEMENT,
        [
            ("CM02-01", "违规户外广告", "Unauthorised outdoor advertising"),
            ("CM02-02", "非法小广告", "Illegal flyers"),
            ("CM02-03", "违规横幅标语", "Unauthorised banners"),
            ("CM02-04", "招牌破损", "Damaged shop signs"),
        ],
    ),
    (
        "CM03",
        "施工管理",
        "Construction",
        CategoryKind.CITY_MANAGEMENT,
        [
            ("CM03-01", "施工扰民", "Construction noise"),
            ("CM03-02", "施工占道", "Construction occupying roads"),
            ("CM03-03", "工地扬尘", "Construction site dust"),
            ("CM03-04", "渣土车遗撒", "Spillage from muck trucks"),
            ("CM03-05", "无证施工", "Unlicensed construction"),
        ],
    ),
    (
        "CM04",
        "街面秩序",
        "Street order",
        CategoryKind.CITY_MANAGEMENT,
        [
            ("CM04-01", "占道经营", "Street vending on the road"),
            ("CM04-02", "无照游商", "Unlicensed hawkers"),
            ("CM04-03", "店外经营", "Business outside shop fronts"),
            ("CM04-04", "乱停车", "Illegal parking"),
            ("CM04-05", "乱堆物料", "Materials piled in the street"),
        ],
    ),
    (
        "CM05",
        "突发事件",
        "Emergencies",
        CategoryKind.CITY_MANAGEMENT,
        [
            ("CM05-01", "路面塌陷", "Road collapse"),
            ("CM05-02", "供水管道爆裂", "Burst water mains"),
            ("CM05-03", "燃气泄漏", "Gas leaks"),
            ("CM05-04", "道路积水", "Flooded roads"),
            ("CM05-05", "井盖缺失", "Missing manhole covers"),
            ("CM05-06", "火情", "Fires"),
        ],
    ),
    (
        "CM06",
        "其他",
        "Other",
        CategoryKind.CITY_MANAGEMENT,
        [
            ("CM06-01", "流浪动物", "Stray animals"),
            ("CM06-02", "违规养犬", "Dog keeping violations"),
            ("CM06-03", "其他事项", "Other matters"),
        ],
    ),
    (
        "PS01",
        "物业服务",
        "Property services",
        CategoryKind.PROPERTY,
        [
            ("PS01-01", "电梯故障", "Lift breakdowns"),
            ("PS01-02", "公共设施维修", "Repairs of shared facilities"),
            ("PS01-03", "保洁", "Cleaning"),
            ("PS01-04", "绿化养护", "Landscaping"),
            ("PS01-05", "安保门禁", "Security and access control"),
            ("PS01-06", "收费争议", "Fee disputes"),
        ],
    ),
]

# ---------------------------------------------------------------------- time limits

# Working hours (accept, handle, verify). A working day of the default calendar is 7 hours
# (08:30–12:00 and 14:30–18:00), so 21 hours are three working days.
_G, _C, _S, _D = CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET, CaseLevel.DEPARTMENT
_N, _U = Urgency.NORMAL, Urgency.URGENT

# (category code or None for the default, level, urgency, accept, handle, verify)
TIME_LIMITS: list[tuple[str | None, str, str, str, str, str]] = [
    (None, _G, _U, "0.5", "2", "2"),
    (None, _G, _N, "2", "21", "7"),
    (None, _C, _U, "1", "4", "3.5"),
    (None, _C, _N, "3.5", "35", "7"),
    (None, _S, _U, "1", "7", "7"),
    (None, _S, _N, "7", "49", "14"),
    (None, _D, _U, "2", "14", "7"),
    (None, _D, _N, "7", "70", "14"),
    # Emergencies: on site fast at every level.
    ("CM05", _G, _U, "0.25", "1", "1"),
    ("CM05", _G, _N, "0.5", "4", "2"),
    ("CM05", _C, _U, "0.5", "2", "2"),
    ("CM05", _S, _U, "0.5", "4", "3.5"),
    ("CM05", _D, _U, "1", "7", "3.5"),
    # A gas leak is handled faster still than its parent class.
    ("CM05-03", _G, _U, "0.25", "0.5", "1"),
    # Safety hazards at grid level: a week is too long for a blocked fire lane.
    ("GA03", _G, _N, "1", "14", "7"),
    # Information collection is routine: a week to record, a week to check.
    ("GA06", _G, _N, "7", "35", "35"),
    ("GA06", _C, _N, "7", "35", "35"),
]

# ---------------------------------------------------------------------- the national calendar

DEFAULT_CALENDAR_NAME = "国家法定工作日历"


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def _holiday(name: str, first: dt.date, last: dt.date | None = None) -> list[tuple[dt.date, str, str]]:
    return [(day, CalendarDayKind.HOLIDAY, name) for day in _span(first, last or first)]


def _makeup(name: str, *days: dt.date) -> list[tuple[dt.date, str, str]]:
    return [(day, CalendarDayKind.WORKDAY, f"{name}调休上班") for day in days]


D = dt.date

# The State Council's holiday arrangements: every holiday date (weekend ones too) and every make-up
# working day (调休). 2025: 国办发明电〔2024〕12号; 2026: the notice of 4 November 2025.
CALENDAR_DAYS: list[tuple[dt.date, str, str]] = [
    *_holiday("元旦", D(2025, 1, 1)),
    *_holiday("春节", D(2025, 1, 28), D(2025, 2, 4)),
    *_makeup("春节", D(2025, 1, 26), D(2025, 2, 8)),
    *_holiday("清明节", D(2025, 4, 4), D(2025, 4, 6)),
    *_holiday("劳动节", D(2025, 5, 1), D(2025, 5, 5)),
    *_makeup("劳动节", D(2025, 4, 27)),
    *_holiday("端午节", D(2025, 5, 31), D(2025, 6, 2)),
    *_holiday("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8)),
    *_makeup("国庆节", D(2025, 9, 28), D(2025, 10, 11)),
    *_holiday("元旦", D(2026, 1, 1), D(2026, 1, 3)),
    *_makeup("元旦", D(2026, 1, 4)),
    *_holiday("春节", D(2026, 2, 15), D(2026, 2, 23)),
    *_makeup("春节", D(2026, 2, 14), D(2026, 2, 28)),
    *_holiday("清明节", D(2026, 4, 4), D(2026, 4, 6)),
    *_holiday("劳动节", D(2026, 5, 1), D(2026, 5, 5)),
    *_makeup("劳动节", D(2026, 5, 9)),
    *_holiday("端午节", D(2026, 6, 19), D(2026, 6, 21)),
    *_holiday("中秋节", D(2026, 9, 25), D(2026, 9, 27)),
    *_holiday("国庆节", D(2026, 10, 1), D(2026, 10, 7)),
    *_makeup("国庆节", D(2026, 9, 20), D(2026, 10, 10)),
]


# ---------------------------------------------------------------------- loading


@transaction.atomic
def load_case_reference() -> dict[str, int]:
    """Create the missing categories, time limits, default calendar and calendar days; return counts created."""
    return {
        "categories": _load_categories(),
        "time_limits": _load_time_limits(),
        **_load_calendar(),
    }


def _load_categories() -> int:
    existing = {category.code: category for category in CaseCategory.objects.all()}
    created = 0
    for top_order, (code, name, name_en, kind, children) in enumerate(CATEGORY_TREE, start=1):
        parent = existing.get(code)
        _fill_name_en(parent, name_en)
        if parent is None:
            parent = _create(CaseCategory(code=code, name=name, name_en=name_en, kind=kind, sort_order=top_order * 10))
            existing[code] = parent
            created += 1
        for child_order, (child_code, child_name, child_name_en) in enumerate(children, start=1):
            if child_code in existing:
                _fill_name_en(existing[child_code], child_name_en)
                continue
            # A subcategory takes its kind from the parent as it stands now (an administrator may have changed it).
            child = CaseCategory(
                code=child_code,
                name=child_name,
                name_en=child_name_en,
                kind=parent.kind,
                parent=parent,
                sort_order=child_order,
            )
            existing[child_code] = _create(child)
            created += 1
    return created


def _fill_name_en(category: CaseCategory | None, name_en: str) -> None:
    """Give a category made before English names existed its English name (an administrator's is kept)."""
    if category is not None and not category.name_en and name_en:
        category.name_en = name_en
        category.save(update_fields=["name_en"])


def _load_time_limits() -> int:
    ids = dict(CaseCategory.objects.values_list("code", "pk"))
    existing = set(TimeLimitPolicy.objects.values_list("category_id", "level", "urgency"))
    created = 0
    for code, level, urgency, accept, handle, verify in TIME_LIMITS:
        category_id = ids[code] if code else None
        if (category_id, level, urgency) in existing:
            continue
        _create(
            TimeLimitPolicy(
                category_id=category_id,
                level=level,
                urgency=urgency,
                accept_hours=Decimal(accept),
                handle_hours=Decimal(handle),
                verify_hours=Decimal(verify),
            )
        )
        existing.add((category_id, level, urgency))
        created += 1
    return created


def _load_calendar() -> dict[str, int]:
    calendars = 0
    calendar = WorkCalendar.objects.filter(name=DEFAULT_CALENDAR_NAME).first()
    if calendar is None:
        # Another calendar an administrator made the default stays the default.
        is_default = not WorkCalendar.objects.filter(is_default=True).exists()
        calendar = _create(WorkCalendar(name=DEFAULT_CALENDAR_NAME, is_default=is_default))
        calendars = 1
    recorded = set(calendar.days.values_list("date", flat=True))
    days = 0
    for date, kind, name in CALENDAR_DAYS:
        if date in recorded:
            continue
        _create(CalendarDay(calendar=calendar, date=date, kind=kind, name=name))
        recorded.add(date)
        days += 1
    return {"calendars": calendars, "calendar_days": days}


def _create(obj: ModelT) -> ModelT:
    obj.full_clean()
    obj.save()
    return obj
