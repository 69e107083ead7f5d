"""The demo district: every level with valid codes, valid people, idempotent, a login for every role."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

from accounts.models import Assignment, User
from accounts.roles import Role
from accounts.scoping import get_scope
from fixtures.demo import DEMO_PASSWORD
from fixtures.demo.places import FOCUS_COMMUNITY, FOCUS_GRID, SECOND_COMMUNITY, SECOND_GRID, street_codes
from fixtures.demo.reset import reset_demo
from fixtures.demo.users import DEMO_USERS
from grids import services
from grids.models import (
    Building,
    Estate,
    GridWorker,
    GridWorkerKind,
    Household,
    LedgerColour,
    Region,
    RegionLevel,
    Residence,
    ResidencyType,
    Resident,
    ServiceStation,
    StationKind,
    Tag,
    Unit,
)
from grids.validators import LEVEL_LENGTHS, check_id_number, validate_phone

# Each test builds the demo district: slow, run by `make test-slow` (and CI), not by `make test`.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SMALL = 0.05


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        model.__name__: model._base_manager.count()
        for model in (Region, Estate, Building, Unit, Household, Resident, Residence, GridWorker, ServiceStation)
    } | {
        "tags": Tag.objects.count(),
        "tag links": Resident.tags.through.objects.count(),
        "users": User.objects.count(),
        "assignments": Assignment.objects.count(),
    }


@pytest.fixture
def demo():
    return load(scale=SMALL)


def test_every_level_exists_with_valid_codes(demo):
    for level in RegionLevel:
        assert Region.objects.filter(level=level).exists(), level
    for region in Region.objects.select_related("parent"):
        assert len(region.code) == LEVEL_LENGTHS[region.level]
        if region.parent:
            assert region.code.startswith(region.parent.code)
        # The official levels keep their real codes; everything below is flagged as invented.
        assert region.code_is_invented == (len(region.code) > 6), region
    sample = list(Region.objects.all()[::7]) + list(Region.objects.filter(level=RegionLevel.STREET))
    for region in sample:
        region.full_clean()
    for street in Region.objects.filter(level=RegionLevel.STREET):
        suffix = int(street.code[6:])
        if street.name.endswith("街道"):
            assert 1 <= suffix <= 99, street
        elif street.name.endswith("镇"):
            assert 100 <= suffix <= 199, street
        else:
            assert 200 <= suffix <= 399, street


def test_every_resident_has_a_valid_id_number_agreeing_with_the_ledger(demo):
    rows = list(Resident.objects.values_list("id_number", "gender", "birth_date", "region_code", "phone"))
    assert rows
    for id_number, gender, birth_date, region_code, phone in rows:
        check = check_id_number(id_number)
        assert check.errors == [], id_number
        assert check.gender == gender
        assert check.birth_date == birth_date
        assert id_number[:6] == region_code[:6]  # born, for the demo, in the county they live in
        validate_phone(phone)
        assert phone == "" or (phone[:2] in {"13", "15", "18"} and len(phone) == 11)
    assert len({row[0] for row in rows}) == len(rows)


def test_region_codes_are_denormalised_as_the_services_do(demo):
    assert not Resident.objects.exclude(region_code=F("household__region_code")).exists()
    assert not Household.objects.exclude(region_code=F("unit__region_code")).exists()
    assert not Unit.objects.exclude(region_code=F("building__region_code")).exists()
    assert not Building.objects.exclude(region_code=F("region__code")).exists()
    assert not Building.objects.exclude(region__level__in=[RegionLevel.GRID, RegionLevel.MICROGRID]).exists()
    assert not Estate.objects.exclude(region_code=F("region__code")).exists()
    assert not GridWorker.objects.exclude(region_code=F("region__code")).exists()
    assert not ServiceStation.objects.exclude(region_code=F("region__code")).exists()
    # Each building's grid lies in its estate's community, as building_create demands.
    for building in Building.objects.select_related("estate"):
        assert building.region_code.startswith(building.estate.region_code[:12])
    # One open stay per resident, in the household they live in.
    assert Residence.objects.count() == Resident.objects.count()
    assert not Residence.objects.exclude(moved_out__isnull=True).exists()
    assert not Residence.objects.exclude(household=F("resident__household")).exists()
    assert not Residence.objects.exclude(region_code=F("resident__region_code")).exists()
    household = Household.objects.select_related("unit__building__estate").first()
    unit = household.unit
    assert household.address == f"{unit.building.estate.name}{unit.building.number}{unit.number}{household.room}"


def test_households_have_one_head_and_one_to_five_people(demo):
    sizes = Household.objects.annotate(n=Count("residents"))
    assert set(sizes.values_list("n", flat=True)) <= {1, 2, 3, 4, 5}
    heads = Counter(Resident.objects.filter(relation="head").values_list("household_id", flat=True))
    assert set(heads.values()) == {1}
    assert len(heads) == Household.objects.count()


def test_grid_posts_and_stations(demo):
    for grid in Region.objects.filter(level=RegionLevel.GRID):
        kinds = set(grid.workers.values_list("kind", flat=True))
        assert {
            GridWorkerKind.FULL_TIME,
            GridWorkerKind.PART_TIME,
            GridWorkerKind.AUXILIARY,
            GridWorkerKind.POLICE,
            GridWorkerKind.HEALTH,
            GridWorkerKind.MEDIATOR,
        } <= kinds, grid
        assert all(validate_phone(p) is None and p for p in grid.workers.values_list("public_phone", flat=True))
    assert not Region.objects.filter(level=RegionLevel.MICROGRID, workers__isnull=True).exists()
    for community in Region.objects.filter(level=RegionLevel.COMMUNITY):
        assert community.stations.filter(kind=StationKind.PARTY_SERVICE).exists(), community
    assert ServiceStation.objects.filter(kind=StationKind.WARM_NEW).exists()
    linked = GridWorker.objects.filter(user__username="grid").get()
    assert linked.kind == GridWorkerKind.FULL_TIME and linked.region_code == FOCUS_GRID
    assert linked.name == linked.user.full_name


def test_running_twice_does_not_duplicate(demo):
    before = snapshot()
    output = load(scale=SMALL)
    assert "already loaded" in output
    assert snapshot() == before


def test_reset_rebuilds_the_same_district(demo):
    before = snapshot()
    first_ids = list(Resident.objects.order_by("id_number").values_list("id_number", flat=True)[:50])
    load(scale=SMALL, reset=True)
    assert snapshot() == before
    assert list(Resident.objects.order_by("id_number").values_list("id_number", flat=True)[:50]) == first_ids


def test_reset_keeps_what_is_not_demo_data(demo):
    county = Region.objects.get(code="640302")
    other_street = services.region_create(code="640302002", level=RegionLevel.STREET, name="另一街道", parent=county)
    load(scale=SMALL, reset=True)
    assert Region.objects.filter(pk=other_street.pk).exists()
    assert Region.objects.filter(code__in=street_codes()).count() == len(street_codes())


def test_reset_removes_official_levels_nothing_else_uses(demo):
    reset_demo()
    assert not Region.objects.exists()
    assert not User.objects.exists()
    assert Tag.objects.filter(is_system=True).count() == 7
    load(scale=SMALL)
    assert Region.objects.filter(level=RegionLevel.MICROGRID).exists()


def test_reset_refuses_to_touch_real_regions_with_a_demo_street_code(territory):
    # The shared test territory uses 640302001 as a real (not invented) street code.
    before = snapshot()
    with pytest.raises(CommandError, match="640302001"):
        load(scale=SMALL, reset=True)
    assert snapshot() == before


def test_a_clashing_username_stops_the_load_and_writes_nothing():
    User.objects.create_user(username="community", password="someone-Else-123")
    with pytest.raises(CommandError, match="community"):
        load(scale=SMALL)
    assert not Region.objects.exists()
    assert not Resident.objects.exists()


def test_every_role_has_a_demo_user_who_can_log_in(demo, client):
    for role in Role:
        assignment = Assignment.objects.filter(role=role).select_related("user", "region").first()
        assert assignment is not None, role
        user = assignment.user
        assert user.full_name
        assert client.login(username=user.username, password=DEMO_PASSWORD), user.username
        client.logout()
        if role == Role.ADMIN:
            assert user.is_superuser and user.is_staff and assignment.region is None
        else:
            assert assignment.region is not None
    assert len(DEMO_USERS) == User.objects.count()


def test_demo_users_are_placed_for_scoping_tests(demo):
    def scope(username: str):
        return get_scope(User.objects.get(username=username))

    assert scope("community").covers(FOCUS_COMMUNITY) and not scope("community").covers(SECOND_COMMUNITY)
    assert scope("community2").covers(SECOND_COMMUNITY) and not scope("community2").covers(FOCUS_COMMUNITY)
    assert SECOND_GRID[:12] == FOCUS_GRID[:12]  # grid2 works in another grid of the same community
    assert scope("grid").covers(FOCUS_GRID) and not scope("grid").covers(SECOND_GRID)
    assert scope("grid2").covers(SECOND_GRID) and not scope("grid2").covers(FOCUS_GRID)
    assert scope("admin").unrestricted
    assert Resident.objects.under(FOCUS_GRID).exists() and Resident.objects.under(SECOND_GRID).exists()


def test_full_scale_demo_meets_the_minimums():
    output = load()
    assert "demo-Pass-2026" in output

    levels = Counter(Region.objects.values_list("level", flat=True))
    assert levels[RegionLevel.COUNTY] >= 2
    assert levels[RegionLevel.STREET] >= 4
    assert levels[RegionLevel.COMMUNITY] >= 8
    assert levels[RegionLevel.GRID] >= 40
    assert levels[RegionLevel.MICROGRID] >= 100
    assert Building.objects.count() >= 200
    assert Household.objects.count() >= 5000
    residents = Resident.objects.count()
    assert residents >= 12000

    # Most grids hold 300–500 households and most micro-grids 50–100; a few do not.
    grid_sizes = Counter(code[:15] for code in Household.objects.values_list("region_code", flat=True))
    grids = Region.objects.filter(level=RegionLevel.GRID).values_list("code", flat=True)
    inside = sum(300 <= grid_sizes[code] <= 500 for code in grids)
    assert 0.7 * len(grids) <= inside < len(grids)
    micro_sizes = Counter(code for code in Household.objects.values_list("region_code", flat=True) if len(code) == 17)
    micros = Region.objects.filter(level=RegionLevel.MICROGRID).values_list("code", flat=True)
    inside = sum(50 <= micro_sizes[code] <= 100 for code in micros)
    assert 0.8 * len(micros) <= inside < len(micros)
    in_micro = Building.objects.filter(region__level=RegionLevel.MICROGRID).count()
    assert in_micro > 0.7 * Building.objects.count()

    # Realistic proportions.
    colours = Counter(Resident.objects.values_list("ledger_colour", flat=True))
    assert 0.74 <= colours[LedgerColour.ORANGE] / residents <= 0.86
    for colour in (LedgerColour.BLUE, LedgerColour.RED, LedgerColour.YELLOW):
        assert 0.03 <= colours[colour] / residents <= 0.12, colour
    kinds = Counter(Resident.objects.values_list("residency_type", flat=True))
    assert kinds[ResidencyType.REGISTERED] + kinds[ResidencyType.PERMANENT] > 0.8 * residents
    assert 0 < kinds[ResidencyType.LODGER] < kinds[ResidencyType.FLOATING]
    elderly = sum(r.is_elderly for r in Resident.objects.only("birth_date"))
    assert 0.18 <= elderly / residents <= 0.27
    yangguang = [r.is_elderly for r in Resident.objects.filter(household__unit__building__estate__name="阳光水岸小区")]
    assert 0.28 <= sum(yangguang) / len(yangguang) <= 0.42
    assert Building.objects.filter(estate__name="阳光水岸小区").count() == 12
    tagged = dict(Tag.objects.annotate(n=Count("residents")).values_list("slug", "n"))
    assert set(tagged) >= {
        "living_alone",
        "disabled",
        "dibao",
        "hardship",
        "gugua",
        "left_behind_child",
        "new_employment",
    }
    assert all(0 < n < 0.06 * residents for n in tagged.values()), tagged
