"""Who may act on a case: handlers of its level, verifiers, street staff who summon departments."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import Assignment
from accounts.roles import Role
from accounts.scoping import get_scope

from ..models import Case, CaseLevel, CaseState, Department
from ..models.case import department_ids
from ..models.choices import ACTIVE_STATES, LEVEL_SEQUENCE, OPEN_STATES

# Roles that handle cases at each territorial level; the department level is its staff list.
LEVEL_ROLES: dict[str, frozenset[str]] = {
    CaseLevel.GRID: frozenset(
        {Role.GRID_MEMBER_FULL, Role.GRID_MEMBER_PART, Role.GRID_MEMBER_AUX, Role.MICROGRID_HEAD}
    ),
    CaseLevel.COMMUNITY: frozenset({Role.COMMUNITY_WORKER}),
    CaseLevel.STREET: frozenset({Role.STREET_STAFF}),
}
# Roles that may verify a resolved case (never the person who handled or resolved it).
VERIFY_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.STREET_STAFF})
# Roles that may end a case as unable to resolve (挂账) or tag a request as unreasonable.
SUPERVISOR_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.STREET_STAFF})
# Roles that may summon departments (街道吹哨).
SUMMON_ROLES = frozenset({Role.STREET_STAFF})
# Roles that may file a case in their place (everyone working there; volunteers too, as reporters).
FILE_ROLES = frozenset(set(Role.values) - {Role.DISTRICT_OFFICIAL})
# Roles that may record a follow-up visit.
FOLLOW_UP_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.STREET_STAFF} | LEVEL_ROLES[CaseLevel.GRID])


def _is_department_staff(user, department_id: int | None) -> bool:
    return department_id is not None and department_id in department_ids(user)


def handles_level(user, case: Case, level: str | None = None) -> bool:
    """Whether the user is one of the handlers of the case at its current (or the given) level."""
    level = level or case.level
    scope = get_scope(user)
    if scope.unrestricted:
        return True
    if level == CaseLevel.DEPARTMENT:
        return _is_department_staff(user, case.department_id)
    return scope.covers(case.region_code, roles=LEVEL_ROLES[level])


def can_take(user, case: Case) -> bool:
    """Whether the case may be dispatched to this user: a handler at its level or, below it, in its place."""
    if case.level == CaseLevel.DEPARTMENT:
        return handles_level(user, case)
    upto = LEVEL_SEQUENCE.index(case.level)
    return any(handles_level(user, case, level) for level in LEVEL_SEQUENCE[: upto + 1])


def is_handler(user, case: Case) -> bool:
    return case.handler_id is not None and case.handler_id == user.pk


def can_verify(user, case: Case) -> bool:
    if user.pk in {case.handler_id, case.resolved_by_id}:
        return False
    scope = get_scope(user)
    if case.level == CaseLevel.DEPARTMENT or case.level == CaseLevel.STREET:
        return scope.covers(case.region_code, roles={Role.STREET_STAFF}) or scope.unrestricted
    return scope.covers(case.region_code, roles=VERIFY_ROLES)


def can_supervise(user, case: Case) -> bool:
    return get_scope(user).covers(case.region_code, roles=SUPERVISOR_ROLES)


def can_follow_up(user, case: Case) -> bool:
    return (case.reporter_id is not None and case.reporter_id == user.pk) or get_scope(user).covers(
        case.region_code, roles=FOLLOW_UP_ROLES
    )


def can_file_at(user, region_code: str) -> bool:
    return get_scope(user).covers(region_code, roles=FILE_ROLES)


def allowed_actions(user, case: Case) -> set[str]:
    """The transitions this user may attempt now; pages show only these buttons."""
    actions: set[str] = set()
    state = case.state
    at_level = handles_level(user, case)
    mine = is_handler(user, case)
    takes_part = (
        at_level
        or mine
        or case.reporter_id == user.pk
        or get_scope(user).covers(case.region_code, roles=FILE_ROLES)
        or _is_department_staff(user, case.department_id)
    )
    if (state in OPEN_STATES or state == CaseState.CLOSED) and takes_part:
        actions.add("comment")
    if state == CaseState.SUBMITTED and at_level:
        actions |= {"accept", "reject", "duplicate"}
    if state in {CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.IN_PROGRESS} and at_level:
        actions.add("dispatch")
    if state == CaseState.ACCEPTED and at_level:
        actions |= {"reject", "duplicate"}
    if state in {CaseState.SUBMITTED, CaseState.ACCEPTED} and at_level and case.level != CaseLevel.GRID:
        actions.add("return")
    if state == CaseState.IN_PROGRESS and (mine or at_level):
        actions |= {"resolve", "hold"}
    if state == CaseState.ON_HOLD and (mine or at_level):
        actions.add("resume")
    if state in ACTIVE_STATES and (mine or at_level) and case.level != CaseLevel.DEPARTMENT:
        actions.add("escalate")
    if state == CaseState.RESOLVED and can_verify(user, case):
        actions.add("verify")
    if state in {CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.ON_HOLD} and can_supervise(user, case):
        actions.add("unresolvable")
    if not case.is_unreasonable and can_supervise(user, case):
        actions.add("tag_unreasonable")
    if state in OPEN_STATES and get_scope(user).covers(case.region_code, roles=SUMMON_ROLES):
        actions.add("summon")
    if state == CaseState.CLOSED and can_follow_up(user, case):
        actions.add("follow_up")
    if state in OPEN_STATES and (mine or at_level or (case.reporter_id == user.pk and state == CaseState.SUBMITTED)):
        actions.add("edit")
    if state in OPEN_STATES and (mine or at_level or case.reporter_id == user.pk):
        actions.add("attach")
    return actions


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12, 15, 17) if n <= len(code)]


def handler_ids_for(*, level: str, region_code: str, department_id: int | None = None) -> list[int]:
    """Users who handle cases of this place at this level (notification recipients)."""
    if level == CaseLevel.DEPARTMENT:
        if department_id is None:
            return []
        return list(
            Department.staff.through.objects.filter(department_id=department_id).values_list("user_id", flat=True)
        )
    return list(
        Assignment.objects.active()
        .filter(role__in=LEVEL_ROLES[level], region__code__in=_prefixes(region_code), user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def verifier_ids_for(case: Case) -> list[int]:
    roles = {Role.STREET_STAFF} if case.level in {CaseLevel.STREET, CaseLevel.DEPARTMENT} else VERIFY_ROLES
    ids = (
        Assignment.objects.active()
        .filter(role__in=roles, region__code__in=_prefixes(case.region_code), user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return [pk for pk in ids if pk not in {case.handler_id, case.resolved_by_id}]


class HandlerDirectory:
    """All active handler assignments loaded once, for sweeps that notify thousands of cases."""

    def __init__(self, levels: Iterable[str] = (CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET)) -> None:
        roles = set().union(*(LEVEL_ROLES[level] for level in levels))
        self._by_role_code: dict[tuple[str, str], set[int]] = {}
        rows = (
            Assignment.objects.active()
            .filter(role__in=roles, user__is_active=True, region__isnull=False)
            .values_list("role", "region__code", "user_id")
        )
        for role, code, user_id in rows:
            self._by_role_code.setdefault((role, code), set()).add(user_id)
        self._departments: dict[int, list[int]] = {}
        for dept_id, user_id in Department.staff.through.objects.values_list("department_id", "user_id"):
            self._departments.setdefault(dept_id, []).append(user_id)

    def handlers(self, *, level: str, region_code: str, department_id: int | None = None) -> set[int]:
        if level == CaseLevel.DEPARTMENT:
            return set(self._departments.get(department_id or 0, ()))
        found: set[int] = set()
        for role in LEVEL_ROLES[level]:
            for prefix in _prefixes(region_code):
                found |= self._by_role_code.get((role, prefix), set())
        return found
