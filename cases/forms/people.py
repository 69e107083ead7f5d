"""Who a case may be given to: handlers at its place and level, community members, departments."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from accounts.models import Assignment, User

from ..models import Case, CaseLevel, Department
from ..models.choices import LEVEL_SEQUENCE
from ..services.access import LEVEL_ROLES

CODE_LENGTHS = (2, 4, 6, 9, 12, 15, 17)


def code_prefixes(code: str) -> list[str]:
    """The codes of a place and of every place above it."""
    return [code[:n] for n in CODE_LENGTHS if n <= len(code)]


def _taker_roles(level: str) -> set[str]:
    """Roles of the handlers at this territorial level and below it."""
    upto = LEVEL_SEQUENCE.index(level)
    return set().union(*(LEVEL_ROLES[lvl] for lvl in LEVEL_SEQUENCE[: upto + 1] if lvl in LEVEL_ROLES))


def _assignment_label(assignment: Assignment) -> str:
    return f"{assignment.get_role_display()} · {assignment.region.name}"


def handler_candidates(case: Case) -> list[tuple[User, str]]:
    """People the case may be dispatched to: handlers of its level, or of a lower level, at its place."""
    if case.level == CaseLevel.DEPARTMENT:
        if case.department_id is None:
            return []
        staff = case.department.staff.filter(is_active=True).order_by("full_name", "username")
        return [(user, case.department.name) for user in staff]
    rows = (
        Assignment.objects.active()
        .filter(
            role__in=_taker_roles(case.level),
            region__code__in=code_prefixes(case.region_code),
            user__is_active=True,
        )
        .select_related("user", "region")
        .order_by("-region__code", "user__full_name", "user__username", "pk")
    )
    found: dict[int, tuple[User, list[str]]] = {}
    for assignment in rows:
        user, labels = found.setdefault(assignment.user_id, (assignment.user, []))
        labels.append(_assignment_label(assignment))
    return [(user, "; ".join(labels)) for user, labels in found.values()]


def community_members(community_code: str) -> list[Assignment]:
    """Active grid workers and community workers of a community, loaded once for its dispatch board."""
    roles = LEVEL_ROLES[CaseLevel.GRID] | LEVEL_ROLES[CaseLevel.COMMUNITY]
    return list(
        Assignment.objects.active()
        .filter(role__in=roles, region__code__startswith=community_code, user__is_active=True)
        .select_related("user", "region")
        .order_by("region__code", "user__full_name", "user__username", "pk")
    )


def takers_among(case: Case, members: list[Assignment]) -> list[tuple[int, str]]:
    """(user id, label) of the members who may take this case, without a query."""
    if case.level == CaseLevel.DEPARTMENT:
        return []
    roles = _taker_roles(case.level)
    seen: dict[int, str] = {}
    for assignment in members:
        if assignment.role in roles and case.region_code.startswith(assignment.region.code):
            label = f"{assignment.user.display_name} ({_assignment_label(assignment)})"
            seen.setdefault(assignment.user_id, label)
    return list(seen.items())


def covering_departments(case: Case) -> QuerySet[Department]:
    """Active departments whose jurisdiction covers the place of the case."""
    return Department.objects.filter(is_active=True, region_code__in=code_prefixes(case.region_code)).order_by(
        "-region_code", "name"
    )


class UserChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, labels: dict[int, str] | None = None, **kwargs):
        self.labels = labels or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: User) -> str:
        extra = self.labels.get(obj.pk)
        return f"{obj.display_name} ({extra})" if extra else obj.display_name
