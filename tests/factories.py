"""factory_boy factories and a small named territory used across the suite.

The territory: 宁夏 64 > 吴忠市 6403 > 利通区 640302 > 一个街道 640302001 >
community A 640302001001 (grids A1, A2 with micro-grids) and community B 640302001002 (grid B1).
"""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import factory
from django.utils import timezone

from accounts.models import Assignment, User
from accounts.roles import Role
from grids import services
from grids.models import Building, Estate, EstateKind, Household, Region, Resident, Unit
from grids.validators import id_check_char

PASSWORD = "test-Pass-1234"
_serial = itertools.count(1)


def make_id_number(*, county: str = "640302", birth: dt.date = dt.date(1980, 5, 17), male: bool = True) -> str:
    """A valid 18-digit ID number, unique within a test run."""
    seq = next(_serial) % 500
    order = seq * 2 + (1 if male else 0)
    body = f"{county}{birth:%Y%m%d}{order:03d}"
    return body + id_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(PASSWORD)


def assign(user: User, role: str, region: Region | None) -> Assignment:
    return Assignment.objects.create(user=user, role=role, region=region, start_date=timezone.localdate())


class ResidentFactory:
    """Residents go through the service so every derived field is right."""

    @staticmethod
    def create(household: Household, **overrides) -> Resident:
        data = {
            "name": overrides.pop("name", "张三"),
            "id_number": overrides.pop("id_number", None)
            or make_id_number(birth=overrides.pop("birth", dt.date(1980, 5, 17)), male=overrides.pop("male", True)),
            "phone": overrides.pop("phone", "13812345678"),
        }
        data.update(overrides)
        tags = data.pop("tags", None)
        resident, _warnings = services.resident_create(household=household, data=data, tags=tags)
        return resident


def _household(grid: Region, estate: Estate, building_no: str, rooms: list[str]) -> list[Household]:
    building = services.building_create(estate=estate, number=building_no, region=grid)
    unit = services.unit_create(building=building, number="1单元")
    return [services.household_create(unit=unit, room=room) for room in rooms]


def build_territory() -> SimpleNamespace:
    r = services.region_create
    province = r(code="64", level="province", name="宁夏回族自治区")
    city = r(code="6403", level="city", name="吴忠市", parent=province)
    county = r(code="640302", level="county", name="利通区", parent=city)
    street = r(code="640302001", level="street", name="胜利街道", parent=county)
    comm_a = r(code="640302001001", level="community", name="金塔社区", parent=street)
    comm_b = r(code="640302001002", level="community", name="朝阳社区", parent=street)
    grid_a1 = r(code="640302001001001", level="grid", name="金塔第一网格", parent=comm_a)
    grid_a2 = r(code="640302001001002", level="grid", name="金塔第二网格", parent=comm_a)
    micro_a1 = r(code="64030200100100101", level="microgrid", name="金塔一网格一微网格", parent=grid_a1)
    grid_b1 = r(code="640302001002001", level="grid", name="朝阳第一网格", parent=comm_b)
    estate_a = services.estate_create(name="金塔小区", region=comm_a, kind=EstateKind.OLD)
    estate_b = services.estate_create(name="阳光水岸小区", region=comm_b, kind=EstateKind.COMMERCIAL)
    hh_a1 = _household(micro_a1, estate_a, "1号楼", ["101", "102"])
    hh_a2 = _household(grid_a2, estate_a, "2号楼", ["201"])
    hh_b1 = _household(grid_b1, estate_b, "8号楼", ["301"])
    res_a1 = ResidentFactory.create(hh_a1[0], name="李明", phone="13912345678")
    res_a2 = ResidentFactory.create(hh_a2[0], name="王芳", male=False, birth=dt.date(1950, 3, 8))
    res_b1 = ResidentFactory.create(hh_b1[0], name="马强")
    return SimpleNamespace(
        province=province, city=city, county=county, street=street,
        comm_a=comm_a, comm_b=comm_b, grid_a1=grid_a1, grid_a2=grid_a2, micro_a1=micro_a1, grid_b1=grid_b1,
        estate_a=estate_a, estate_b=estate_b, hh_a1=hh_a1, hh_a2=hh_a2, hh_b1=hh_b1,
        res_a1=res_a1, res_a2=res_a2, res_b1=res_b1,
        building_a1=Building.objects.get(estate=estate_a, number="1号楼"),
        unit_a1=Unit.objects.get(building__estate=estate_a, building__number="1号楼"),
    )  # fmt: skip


def build_named_users(t: SimpleNamespace) -> SimpleNamespace:
    """The cast of every access test: in-scope workers, a read-only official, an outsider."""
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    official = UserFactory(username="official")
    assign(official, Role.DISTRICT_OFFICIAL, t.county)
    community = UserFactory(username="community")
    assign(community, Role.COMMUNITY_WORKER, t.comm_a)
    grid_a1 = UserFactory(username="grid_a1")
    assign(grid_a1, Role.GRID_MEMBER_FULL, t.grid_a1)
    grid_a2 = UserFactory(username="grid_a2")
    assign(grid_a2, Role.GRID_MEMBER_FULL, t.grid_a2)
    steward = UserFactory(username="steward")
    assign(steward, Role.UNIT_STEWARD, t.micro_a1)
    outsider = UserFactory(username="outsider")
    assign(outsider, Role.COMMUNITY_WORKER, t.comm_b)
    department = UserFactory(username="department")
    assign(department, Role.DEPARTMENT_STAFF, t.street)
    nobody = UserFactory(username="nobody")
    return SimpleNamespace(
        admin=admin, official=official, community=community, grid_a1=grid_a1, grid_a2=grid_a2,
        steward=steward, outsider=outsider, department=department, nobody=nobody,
    )  # fmt: skip


__all__ = ["PASSWORD", "ResidentFactory", "UserFactory", "assign", "build_named_users", "build_territory",
           "make_id_number", "Household", "Resident"]  # fmt: skip
