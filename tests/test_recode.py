"""Re-coding a region moves its subtree and every dependent row, keeping the old codes."""

import pytest
from django.core.exceptions import ValidationError

from grids import services
from grids.models import Building, Household, Region, RegionCodeHistory, Residence, Resident, Unit

pytestmark = pytest.mark.django_db


def test_recode_grid_moves_subtree_and_rows(territory, users):
    t = territory
    region = services.region_recode(region=t.grid_a1, new_code="640302001001009", actor=users.admin, reason="网格调整")
    assert region.code == "640302001001009"
    assert Region.objects.get(pk=t.micro_a1.pk).code == "64030200100100901"
    for model in (Building, Unit, Household, Resident, Residence):
        assert not model.objects.filter(region_code__startswith="640302001001001").exists()
    assert Resident.objects.get(pk=t.res_a1.pk).region_code == "64030200100100901"
    history = set(RegionCodeHistory.objects.values_list("old_code", "new_code"))
    assert history == {("640302001001001", "640302001001009"), ("64030200100100101", "64030200100100901")}
    # untouched neighbours
    assert Resident.objects.get(pk=t.res_a2.pk).region_code == t.grid_a2.code


def test_recode_moves_a_grid_to_another_community(territory, users):
    t = territory
    region = services.region_recode(region=t.grid_a2, new_code="640302001002005")
    assert region.parent_id == t.comm_b.pk
    assert t.res_a2 in Resident.objects.visible_to(users.outsider)
    assert t.res_a2 not in Resident.objects.visible_to(users.community)


@pytest.mark.parametrize(
    "new_code",
    [
        "640302001001002",  # taken by grid A2
        "640302009001003",  # parent community does not exist
        "64030200100100",  # wrong length
        "640302001001000",  # all-zero suffix
    ],
)
def test_recode_refuses_bad_codes_and_changes_nothing(territory, new_code):
    t = territory
    with pytest.raises(ValidationError):
        services.region_recode(region=t.grid_a1, new_code=new_code)
    assert Region.objects.get(pk=t.grid_a1.pk).code == "640302001001001"
    assert Resident.objects.get(pk=t.res_a1.pk).region_code == t.micro_a1.code
    assert not RegionCodeHistory.objects.exists()
