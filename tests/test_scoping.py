"""Who sees what: scope prefixes from assignments, and visible_to on every ledger model."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Assignment
from accounts.roles import Role
from accounts.scoping import Scope, clear_scope_cache, get_scope
from grids.models import Building, Household, Region, Resident

pytestmark = pytest.mark.django_db


def test_minimal_prefixes():
    scope = Scope(grants={"a": ("640302001001", "640302001001002"), "b": ("640303",)})
    assert scope.prefixes() == ("640302001001", "640303")
    assert scope.prefixes(["b"]) == ("640303",)
    assert scope.covers("640302001001002005")
    assert not scope.covers("640302001002")


def test_grid_member_sees_only_their_grid(territory, users):
    t = territory
    names = set(Resident.objects.visible_to(users.grid_a1).values_list("name", flat=True))
    assert names == {t.res_a1.name}
    assert set(Household.objects.visible_to(users.grid_a1)) == set(t.hh_a1)
    assert list(Building.objects.visible_to(users.grid_a1)) == [t.building_a1]


def test_community_worker_sees_all_grids_of_the_community(territory, users):
    t = territory
    visible = set(Resident.objects.visible_to(users.community))
    assert visible == {t.res_a1, t.res_a2}
    codes = set(Region.objects.visible_to(users.community).values_list("code", flat=True))
    assert codes == {t.comm_a.code, t.grid_a1.code, t.grid_a2.code, t.micro_a1.code}


def test_outsider_and_unassigned_see_nothing_of_community_a(territory, users):
    assert territory.res_a1 not in Resident.objects.visible_to(users.outsider)
    assert Resident.objects.visible_to(users.nobody).count() == 0
    assert Region.objects.visible_to(users.nobody).count() == 0


def test_department_staff_do_not_read_the_ledger(territory, users):
    assert Resident.objects.visible_to(users.department).count() == 0
    # but they do see their place in the territory
    assert Region.objects.visible_to(users.department).filter(code=territory.street.code).exists()


def test_admin_sees_everything(territory, users):
    assert Resident.objects.visible_to(users.admin).count() == 3


def test_expired_and_future_assignments_give_nothing(territory, users):
    user = users.nobody
    today = timezone.localdate()
    Assignment.objects.create(
        user=user, role=Role.COMMUNITY_WORKER, region=territory.comm_a,
        start_date=today - dt.timedelta(days=30), end_date=today - dt.timedelta(days=1),
    )  # fmt: skip
    Assignment.objects.create(
        user=user, role=Role.COMMUNITY_WORKER, region=territory.comm_b, start_date=today + dt.timedelta(days=1)
    )
    clear_scope_cache(user)
    assert get_scope(user).prefixes() == ()
    assert Resident.objects.visible_to(user).count() == 0


def test_several_assignments_union(territory, users):
    user = users.grid_a1
    Assignment.objects.create(user=user, role=Role.GRID_MEMBER_PART, region=territory.grid_b1)
    clear_scope_cache(user)
    assert set(Resident.objects.visible_to(user)) == {territory.res_a1, territory.res_b1}


def test_scope_is_computed_once_per_user_object(territory, users, django_assert_num_queries):
    user = users.community
    clear_scope_cache(user)
    with django_assert_num_queries(1):
        get_scope(user)
        get_scope(user)


def test_published_places_are_visible_to_every_role_in_scope(territory, users):
    from grids.models import GridWorker, ServiceStation

    t = territory
    worker = GridWorker.objects.create(
        region=t.grid_a1, region_code=t.grid_a1.code, name="赵网格", kind="full_time", public_phone="13800000001"
    )
    station = ServiceStation.objects.create(
        region=t.comm_a, region_code=t.comm_a.code, name="金塔社区党群服务站", kind="party_service"
    )
    # department staff of the street see the published workers, stations and buildings ...
    assert worker in GridWorker.objects.visible_to(users.department)
    assert station in ServiceStation.objects.visible_to(users.department)
    assert t.building_a1 in Building.objects.visible_to(users.department)
    # ... but not the households and residents in them
    assert not Household.objects.visible_to(users.department).exists()
    # and nobody outside sees them
    assert worker not in GridWorker.objects.visible_to(users.outsider)
