"""Helpers for case tests: more named users, a department, and a quick way to file a case."""

from __future__ import annotations

from types import SimpleNamespace

from accounts.roles import Role
from cases import services
from cases.models import CaseCategory, Department
from tests.factories import UserFactory, assign


def build_case_world(t: SimpleNamespace, u: SimpleNamespace) -> SimpleNamespace:
    """Adds to the named cast: a second community worker (the verifier), street staff, a department."""
    verifier = UserFactory(username="verifier")
    assign(verifier, Role.COMMUNITY_WORKER, t.comm_a)
    street = UserFactory(username="street")
    assign(street, Role.STREET_STAFF, t.street)
    dept_user = UserFactory(username="dept_user")
    assign(dept_user, Role.DEPARTMENT_STAFF, t.street)
    sewage = CaseCategory.objects.get(code="CM01-02") if CaseCategory.objects.filter(code="CM01-02").exists() else None
    category = CaseCategory.objects.filter(parent__isnull=False, parent__code="GA03").order_by("code").first()
    dispute = CaseCategory.objects.filter(parent__code="GA02").order_by("code").first()
    department = Department.objects.create(name="住建局", region=t.county, region_code=t.county.code)
    department.duties.add(category.parent)
    department.staff.add(dept_user)
    other_department = Department.objects.create(name="城管局", region=t.county, region_code=t.county.code)
    return SimpleNamespace(
        t=t, u=u, verifier=verifier, street=street, dept_user=dept_user, category=category, dispute=dispute,
        sewage=sewage, department=department, other_department=other_department,
    )  # fmt: skip


def file_case(w: SimpleNamespace, *, reporter=None, region=None, category=None, **extra):
    """A case filed by the grid member of grid A1 (or the given reporter) through the service."""
    return services.case_create(
        reporter=reporter or w.u.grid_a1,
        region=region or w.t.grid_a1,
        category=category or w.category,
        title=extra.pop("title", "楼道堆放杂物"),
        description=extra.pop("description", "3单元楼道堆满纸箱"),
        **extra,
    )
