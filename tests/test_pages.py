"""The territory and ledger pages: scope, masking, validation beside fields, reveal log, moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import constants as message_levels
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grids import services
from grids.models import (
    GridWorker,
    GridWorkerKind,
    Household,
    LedgerColour,
    PiiAccessLog,
    Relation,
    Residence,
    ResidencyType,
    Resident,
    ServiceStation,
    StationKind,
    Tag,
)
from grids.validators import id_check_char, is_known_address_code
from tests.factories import ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def with_check_digit(first17: str) -> str:
    return first17 + id_check_char(first17)


def resident_post(household: Household | None = None, **overrides) -> dict:
    data = {
        "name": "赵六",
        "id_number": make_id_number(birth=dt.date(1990, 1, 2), male=True),
        "gender": "",
        "birth_date": "",
        "phone": "13700001111",
        "residency_type": ResidencyType.REGISTERED,
        "relation": Relation.HEAD,
        "ledger_colour": LedgerColour.ORANGE,
        "note": "",
    }
    if household is not None:
        data["household"] = household.pk
    data.update(overrides)
    return data


# ---------------------------------------------------------------- territory


def test_pages_need_login(client, territory):
    urls = [
        reverse("grids:region_browser"),
        reverse("grids:region_detail", args=[territory.grid_a1.code]),
        reverse("grids:building_detail", args=[territory.building_a1.pk]),
        reverse("grids:household_detail", args=[territory.hh_a1[0].pk]),
        reverse("grids:resident_list"),
        reverse("grids:resident_create"),
        reverse("grids:resident_detail", args=[territory.res_a1.pk]),
        reverse("grids:resident_update", args=[territory.res_a1.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


def counts(children) -> dict[str, tuple[int, int, int]]:
    return {c.code: (c.household_count, c.resident_count, c.building_count) for c in children}


def test_region_browser_counts(client, users, territory):
    response = login(client, users.official).get(reverse("grids:region_browser"))
    assert response.status_code == 200
    assert counts(response.context["children"]) == {territory.county.code: (4, 3, 3)}

    response = login(client, users.community).get(reverse("grids:region_browser"))
    assert counts(response.context["children"]) == {territory.comm_a.code: (3, 2, 2)}

    response = login(client, users.grid_a1).get(reverse("grids:region_browser"))
    assert counts(response.context["children"]) == {territory.grid_a1.code: (2, 1, 1)}


def test_region_detail_children_counts_and_targets(client, users, territory):
    response = login(client, users.community).get(reverse("grids:region_detail", args=[territory.comm_a.code]))
    assert response.status_code == 200
    assert counts(response.context["children"]) == {
        territory.grid_a1.code: (2, 1, 1),
        territory.grid_a2.code: (1, 1, 1),
    }
    assert response.context["totals"] == {"households": 3, "residents": 2, "buildings": 2}
    page = html(response)
    assert "count-vs-target under" in page  # 2 households against a 300–500 target
    assert "300–500" in page


def test_region_detail_scope(client, users, territory):
    login(client, users.grid_a1)
    assert client.get(reverse("grids:region_detail", args=[territory.grid_a1.code])).status_code == 200
    assert client.get(reverse("grids:region_detail", args=[territory.micro_a1.code])).status_code == 200
    for other in (territory.grid_a2, territory.comm_a, territory.grid_b1, territory.county):
        assert client.get(reverse("grids:region_detail", args=[other.code])).status_code == 404
    assert client.get(reverse("grids:region_detail", args=["999999"])).status_code == 404

    login(client, users.outsider)
    assert client.get(reverse("grids:region_detail", args=[territory.comm_a.code])).status_code == 404


def test_breadcrumbs_link_only_places_in_scope(client, users, territory):
    response = login(client, users.grid_a1).get(reverse("grids:region_detail", args=[territory.micro_a1.code]))
    page = html(response)
    assert reverse("grids:region_detail", args=[territory.grid_a1.code]) in page
    assert territory.comm_a.name in page
    assert reverse("grids:region_detail", args=[territory.comm_a.code]) not in page

    response = login(client, users.community).get(reverse("grids:region_detail", args=[territory.micro_a1.code]))
    assert reverse("grids:region_detail", args=[territory.comm_a.code]) in html(response)


def test_drill_down_fragment(client, users, territory):
    login(client, users.community)
    url = reverse("grids:region_children", args=[territory.grid_a1.code])
    response = client.get(url, **HTMX)
    assert response.status_code == 200
    assert "<html" not in html(response)
    assert territory.micro_a1.name in html(response)
    # Without htmx the link leads to the full page.
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("grids:region_detail", args=[territory.grid_a1.code])
    # Out of scope: 404, as for a missing place.
    login(client, users.grid_a2)
    assert client.get(url, **HTMX).status_code == 404


def test_grid_page(client, users, territory):
    today = timezone.localdate()
    GridWorker.objects.create(
        region=territory.grid_a1,
        region_code=territory.grid_a1.code,
        name="周网格",
        kind=GridWorkerKind.FULL_TIME,
        public_phone="13955556666",
        start_date=today - dt.timedelta(days=30),
    )
    GridWorker.objects.create(
        region=territory.grid_a1,
        region_code=territory.grid_a1.code,
        name="前任网格员",
        kind=GridWorkerKind.PART_TIME,
        public_phone="13900000000",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=1),
    )
    ServiceStation.objects.create(
        region=territory.grid_a1,
        region_code=territory.grid_a1.code,
        name="金塔暖新驿站",
        kind=StationKind.WARM_NEW,
        hours="9:00-21:00",
        facilities="热水、充电、休息",
    )
    response = login(client, users.grid_a1).get(reverse("grids:region_detail", args=[territory.grid_a1.code]))
    assert response.status_code == 200
    page = html(response)
    assert "周网格" in page
    assert "13955556666" in page  # published on purpose: not masked
    assert "前任网格员" not in page
    assert "金塔暖新驿站" in page and "9:00-21:00" in page and "热水、充电、休息" in page
    assert reverse("grids:building_detail", args=[territory.building_a1.pk]) in page
    [building] = response.context["buildings"]
    assert (building.household_count, building.resident_count) == (2, 1)
    assert territory.micro_a1.name in page  # the micro-grid, with its own target
    assert "50–100" in page
    # Grid workers, buildings and stations are published: every role in scope sees them.
    response = login(client, users.department).get(reverse("grids:region_detail", args=[territory.grid_a1.code]))
    assert response.status_code == 200
    assert "周网格" in html(response) and "13955556666" in html(response)
    assert reverse("grids:building_detail", args=[territory.building_a1.pk]) in html(response)
    assert reverse("grids:resident_list") + "?region=" not in html(response)


def test_building_page(client, users, territory):
    url = reverse("grids:building_detail", args=[territory.building_a1.pk])
    response = login(client, users.grid_a1).get(url)
    assert response.status_code == 200
    page = html(response)
    for household in territory.hh_a1:
        assert reverse("grids:household_detail", args=[household.pk]) in page
    assert response.context["household_total"] == 2
    assert response.context["resident_total"] == 1
    for outsider in (users.grid_a2, users.outsider):
        assert login(client, outsider).get(url).status_code == 404
    # The building is a public fact of the street; its households belong to the ledger.
    response = login(client, users.department).get(url)
    assert response.status_code == 200
    assert reverse("grids:household_detail", args=[territory.hh_a1[0].pk]) not in html(response)
    assert response.context["household_total"] == 0


def test_household_page_masks_members(client, users, territory):
    url = reverse("grids:household_detail", args=[territory.hh_a1[0].pk])
    response = login(client, users.grid_a1).get(url)
    assert response.status_code == 200
    page = html(response)
    resident = territory.res_a1
    assert resident.name in page
    assert resident.id_number[:6] + "********" + resident.id_number[-4:] in page
    assert resident.id_number not in page
    assert "139****5678" in page and resident.phone not in page
    assert reverse("grids:resident_detail", args=[resident.pk]) in page
    assert login(client, users.grid_a2).get(url).status_code == 404


# ---------------------------------------------------------------- access to a resident's pages


@pytest.mark.parametrize(
    "user, resident, detail, edit, reveal",
    [
        ("grid_a1", "res_a1", 200, 200, 200),
        ("grid_a1", "res_a2", 404, 404, 404),  # another grid
        ("grid_a1", "res_b1", 404, 404, 404),  # another community
        ("grid_a2", "res_a1", 404, 404, 404),
        ("community", "res_a1", 200, 200, 200),
        ("community", "res_a2", 200, 200, 200),
        ("community", "res_b1", 404, 404, 404),
        ("outsider", "res_a1", 404, 404, 404),
        ("official", "res_a1", 200, 403, 403),  # read-only at county level
        ("steward", "res_a1", 200, 403, 403),  # may read the ledger of the micro-grid only
        ("department", "res_a1", 404, 404, 404),
        ("nobody", "res_a1", 404, 404, 404),
        ("admin", "res_b1", 200, 200, 200),
    ],
)
def test_resident_access_matrix(client, users, territory, user, resident, detail, edit, reveal):
    person = getattr(territory, resident)
    login(client, getattr(users, user))
    assert client.get(reverse("grids:resident_detail", args=[person.pk])).status_code == detail
    assert client.get(reverse("grids:resident_update", args=[person.pk])).status_code == edit
    response = client.post(reverse("grids:resident_reveal", args=[person.pk]), {"reason": "核实身份"})
    assert response.status_code == reveal
    assert PiiAccessLog.objects.count() == (1 if reveal == 200 else 0)
    today = timezone.localdate().isoformat()
    move = client.post(reverse("grids:resident_move", args=[person.pk]), {"moved_out": "on", "on": today})
    assert move.status_code == (302 if edit == 200 else edit)
    assert (Resident.objects.get(pk=person.pk).household_id is None) == (edit == 200)


def test_resident_detail_masks_and_links(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.grid_a1).get(reverse("grids:resident_detail", args=[resident.pk]))
    page = html(response)
    assert resident.id_number not in page
    assert resident.phone not in page
    assert resident.id_number[:6] + "********" + resident.id_number[-4:] in page
    assert reverse("grids:household_detail", args=[resident.household_id]) in page
    assert reverse("grids:resident_reveal", args=[resident.pk]) in page
    assert reverse("grids:resident_update", args=[resident.pk]) in page
    # A read-only role sees neither the reveal form nor the edit link.
    page = html(login(client, users.official).get(reverse("grids:resident_detail", args=[resident.pk])))
    assert reverse("grids:resident_reveal", args=[resident.pk]) not in page
    assert reverse("grids:resident_update", args=[resident.pk]) not in page
    assert resident.id_number not in page


# ---------------------------------------------------------------- resident list


@pytest.fixture
def ledger(territory):
    """A few more residents in grid A1 with distinct colours, tags, ages and residency types."""
    disabled = Tag.objects.create(slug="disabled", name="残疾人", is_system=True)
    household = territory.hh_a1[1]
    today = timezone.localdate()
    return {
        "old": ResidentFactory.create(
            household,
            name="高龄老人",
            birth=dt.date(today.year - 80, 1, 1),
            ledger_colour=LedgerColour.BLUE,
            relation=Relation.HEAD,
            phone="13600000001",
        ),
        "tagged": ResidentFactory.create(
            household,
            name="残疾居民",
            birth=dt.date(today.year - 40, 1, 1),
            ledger_colour=LedgerColour.RED,
            relation=Relation.SPOUSE,
            tags=[disabled],
            phone="13600000002",
        ),
        "floating": ResidentFactory.create(
            household,
            name="外来务工",
            birth=dt.date(today.year - 25, 1, 1),
            residency_type=ResidencyType.FLOATING,
            relation=Relation.TENANT,
            ledger_colour=LedgerColour.YELLOW,
            phone="13600000003",
        ),
    }


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {r.name for r in response.context["page_obj"].object_list}


def test_resident_list_scope(client, users, territory, ledger):
    url = reverse("grids:resident_list")
    assert listed(login(client, users.grid_a1).get(url)) == {"李明", "高龄老人", "残疾居民", "外来务工"}
    assert listed(login(client, users.community).get(url)) == {"李明", "王芳", "高龄老人", "残疾居民", "外来务工"}
    assert listed(login(client, users.outsider).get(url)) == {"马强"}
    assert listed(login(client, users.department).get(url)) == set()


def test_resident_list_search_and_filters(client, users, territory, ledger):
    login(client, users.community)
    url = reverse("grids:resident_list")
    old = ledger["old"]
    assert listed(client.get(url, {"q": "高龄"})) == {"高龄老人"}
    assert listed(client.get(url, {"q": old.id_number[-4:]})) == {"高龄老人"}
    assert listed(client.get(url, {"q": "13600000002"})) == {"残疾居民"}
    assert listed(client.get(url, {"ledger_colour": LedgerColour.RED})) == {"残疾居民"}
    assert listed(client.get(url, {"tag": "disabled"})) == {"残疾居民"}
    assert listed(client.get(url, {"tag": "elderly"})) == {"高龄老人", "王芳"}
    assert listed(client.get(url, {"age_min": "20", "age_max": "30"})) == {"外来务工"}
    assert listed(client.get(url, {"age_min": "70"})) == {"高龄老人", "王芳"}
    assert listed(client.get(url, {"residency_type": ResidencyType.FLOATING})) == {"外来务工"}
    assert listed(client.get(url, {"region": territory.grid_a2.code})) == {"王芳"}
    assert listed(client.get(url, {"ledger_colour": LedgerColour.BLUE, "tag": "elderly"})) == {"高龄老人"}


def test_resident_list_says_when_nothing_matches(client, users, territory):
    response = login(client, users.community).get(reverse("grids:resident_list"), {"q": "不存在的人"})
    assert response.context["page_obj"].paginator.count == 0
    assert 'id="results-count"' in html(response)
    assert "alert-light" in html(response)


def test_resident_list_masks_personal_data(client, users, territory, ledger):
    response = login(client, users.community).get(reverse("grids:resident_list"))
    page = html(response)
    for resident in Resident.objects.filter(region_code__startswith=territory.comm_a.code):
        assert resident.id_number not in page
        assert f"640302********{resident.id_number[-4:]}" in page
        assert resident.phone not in page
    assert "136****0001" in page


def test_resident_list_invalid_filter_shows_error(client, users, territory):
    login(client, users.community)
    response = client.get(reverse("grids:resident_list"), {"age_min": "abc", "ledger_colour": "purple"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "age_min" in errors and "ledger_colour" in errors
    assert response.context["page_obj"] is None
    assert "alert-danger" in html(response)
    response = client.get(reverse("grids:resident_list"), {"age_min": "abc"}, **HTMX)
    assert response.status_code == 200
    assert "alert-danger" in html(response)


def test_resident_list_htmx_returns_results_only(client, users, territory, ledger):
    login(client, users.community)
    response = client.get(reverse("grids:resident_list"), {"q": "外来"}, **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and 'id="resident-filter"' not in page
    assert "外来务工" in page and "高龄老人" not in page
    assert "HX-Request" in response["Vary"]


def test_resident_list_pages_keep_filters(client, users, territory):
    household = territory.hh_a1[1]
    for i in range(30):
        ResidentFactory.create(household, name=f"居民{i:02d}", ledger_colour=LedgerColour.RED, phone="")
    login(client, users.community)
    response = client.get(reverse("grids:resident_list"), {"ledger_colour": "red"})
    page_obj = response.context["page_obj"]
    assert page_obj.paginator.count == 30 and len(page_obj.object_list) == 25
    assert "ledger_colour=red&amp;page=2" in html(response) or "page=2&amp;ledger_colour=red" in html(response)
    response = client.get(reverse("grids:resident_list"), {"ledger_colour": "red", "page": "2"})
    assert len(response.context["page_obj"].object_list) == 5


def test_resident_list_hides_moved_out_unless_asked(client, users, territory):
    services.resident_move(resident=territory.res_a2, household=None, reason="搬走")
    login(client, users.community)
    assert "王芳" not in listed(client.get(reverse("grids:resident_list")))
    assert "王芳" in listed(client.get(reverse("grids:resident_list"), {"moved_out": "1"}))


def test_resident_list_query_count_does_not_grow(client, users, territory, django_assert_max_num_queries):
    tag = Tag.objects.create(slug="veteran", name="退役军人")
    login(client, users.community)
    url = reverse("grids:resident_list")

    def queries(**extra) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, **extra).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    households = [*territory.hh_a1, *territory.hh_a2]
    for i in range(30):
        ResidentFactory.create(households[i % 3], name=f"居民{i:02d}", tags=[tag])
    assert queries() == few
    # 10: the menu's one query (cases.views.menu) included.
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 25
    with django_assert_max_num_queries(7):
        client.get(url, {"q": "居民"}, **HTMX)


# ---------------------------------------------------------------- create and edit


def test_create_prefills_household(client, users, territory):
    household = territory.hh_a1[1]
    response = login(client, users.grid_a1).get(reverse("grids:resident_create"), {"household": household.pk})
    assert response.status_code == 200
    assert response.context["form"]["household"].value() == household.pk
    choices = {h.pk for h in response.context["form"].fields["household"].queryset}
    assert choices == {h.pk for h in territory.hh_a1}


def test_create_resident(client, users, territory):
    household = territory.hh_a1[1]
    tag = Tag.objects.create(slug="veteran", name="退役军人")
    data = resident_post(household, tags=[tag.pk], ledger_colour=LedgerColour.RED)
    response = login(client, users.grid_a1).post(reverse("grids:resident_create"), data)
    resident = Resident.objects.get(id_number=data["id_number"])
    assert response.status_code == 302
    assert response["Location"] == reverse("grids:resident_detail", args=[resident.pk])
    assert resident.household == household
    assert resident.region_code == household.region_code
    assert resident.gender == "M" and resident.birth_date == dt.date(1990, 1, 2)
    assert list(resident.tags.all()) == [tag]
    assert resident.residences.count() == 1


def refused(response, field: str, before: int) -> None:
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert f'id="id_{field}_errors"' in html(response)  # the message sits beside its field
    assert Resident.objects.count() == before


def test_create_refuses_wrong_check_digit(client, users, territory):
    before, stays = Resident.objects.count(), Residence.objects.count()
    good = make_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_create"), resident_post(territory.hh_a1[1], id_number=bad)
    )
    refused(response, "id_number", before)
    assert "is-invalid" in html(response)
    assert Residence.objects.count() == stays


def test_create_refuses_impossible_birth_date(client, users, territory):
    before = Resident.objects.count()
    number = with_check_digit("64030219800230001")  # 30 February
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_create"), resident_post(territory.hh_a1[1], id_number=number)
    )
    refused(response, "id_number", before)


def test_create_refuses_gender_mismatch(client, users, territory):
    before = Resident.objects.count()
    number = make_id_number(male=True)
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_create"), resident_post(territory.hh_a1[1], id_number=number, gender="F")
    )
    refused(response, "gender", before)


def test_create_refuses_birth_date_mismatch(client, users, territory):
    before = Resident.objects.count()
    number = make_id_number(birth=dt.date(1990, 1, 2))
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_create"), resident_post(territory.hh_a1[1], id_number=number, birth_date="1991-01-02")
    )
    refused(response, "birth_date", before)


def test_create_refuses_duplicate_and_bad_phone_together(client, users, territory):
    before = Resident.objects.count()
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_create"),
        resident_post(territory.hh_a1[1], id_number=territory.res_a1.id_number, phone="12345"),
    )
    refused(response, "id_number", before)
    assert "phone" in response.context["form"].errors


def test_create_with_retired_address_code_saves_with_warning(client, users, territory):
    assert not is_known_address_code("110199")
    number = with_check_digit("11019919800517001")
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_create"), resident_post(territory.hh_a1[1], id_number=number), follow=True
    )
    assert response.status_code == 200
    resident = Resident.objects.get(id_number=number)
    assert response.redirect_chain[-1][0] == reverse("grids:resident_detail", args=[resident.pk])
    warnings = [m for m in response.context["messages"] if m.level == message_levels.WARNING]
    assert len(warnings) == 1 and "110199" in str(warnings[0])


def test_create_household_outside_scope(client, users, territory):
    url = reverse("grids:resident_create")
    login(client, users.grid_a1)
    assert client.get(url, {"household": territory.hh_a2[0].pk}).status_code == 404
    assert client.get(url, {"household": territory.hh_b1[0].pk}).status_code == 404
    assert client.get(url, {"household": "x"}).status_code == 404
    # Posting a household outside the choices is refused beside the field.
    before = Resident.objects.count()
    response = client.post(url, resident_post(territory.hh_a2[0]))
    refused(response, "household", before)


def test_create_forbidden_for_read_only_roles(client, users, territory):
    url = reverse("grids:resident_create")
    before = Resident.objects.count()
    for user in (users.official, users.steward):
        login(client, user)
        assert client.get(url, {"household": territory.hh_a1[0].pk}).status_code == 403
        assert client.get(url).status_code == 403
        assert client.post(url, resident_post(territory.hh_a1[0])).status_code == 403
    login(client, users.department)
    assert client.get(url).status_code == 403
    assert client.get(url, {"household": territory.hh_a1[0].pk}).status_code == 404
    assert Resident.objects.count() == before


def test_edit_form_never_prefills_personal_data(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.grid_a1).get(reverse("grids:resident_update", args=[resident.pk]))
    page = html(response)
    assert resident.id_number not in page
    assert resident.phone not in page
    assert f'placeholder="640302********{resident.id_number[-4:]}"' in page
    assert 'placeholder="139****5678"' in page


def test_edit_keeps_id_and_phone_when_left_blank(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_update", args=[resident.pk]),
        resident_post(name="李明明", id_number="", phone="", ledger_colour=LedgerColour.BLUE),
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.name == "李明明"
    assert resident.ledger_colour == LedgerColour.BLUE
    assert resident.id_number == territory.res_a1.id_number
    assert resident.phone == "13912345678"


def test_edit_can_remove_phone_and_change_id(client, users, territory):
    resident = territory.res_a1
    new_number = make_id_number(birth=dt.date(1981, 6, 1), male=False)
    response = login(client, users.community).post(
        reverse("grids:resident_update", args=[resident.pk]),
        resident_post(name=resident.name, id_number=new_number, phone="", clear_phone="on"),
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.phone == ""
    assert resident.id_number == new_number
    assert (resident.gender, resident.birth_date) == ("F", dt.date(1981, 6, 1))


def test_edit_refused_leaves_row_as_it_was(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_update", args=[resident.pk]),
        resident_post(name="", id_number="", phone="123"),
    )
    assert response.status_code == 200
    assert {"name", "phone"} <= set(response.context["form"].errors)
    fresh = Resident.objects.get(pk=resident.pk)
    assert (fresh.name, fresh.phone) == ("李明", "13912345678")


# ---------------------------------------------------------------- reveal


def test_reveal_logs_and_shows_full_values(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_reveal", args=[resident.pk]), {"reason": "核实低保申请身份"}
    )
    assert response.status_code == 200
    page = html(response)
    assert resident.id_number in page and resident.phone in page
    assert "no-store" in response["Cache-Control"]
    [log] = PiiAccessLog.objects.all()
    assert (log.actor, log.resident, log.reason, log.ip_address) == (
        users.grid_a1,
        resident,
        "核实低保申请身份",
        "127.0.0.1",
    )


def test_reveal_with_htmx_returns_fragment(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.community).post(
        reverse("grids:resident_reveal", args=[resident.pk]), {"reason": "入户走访核对"}, **HTMX
    )
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and 'id="pii-block"' in page
    assert resident.id_number in page
    assert PiiAccessLog.objects.count() == 1


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_reveal_without_reason_is_refused(client, users, territory, headers):
    resident = territory.res_a1
    response = login(client, users.grid_a1).post(
        reverse("grids:resident_reveal", args=[resident.pk]), {"reason": "   "}, **headers
    )
    assert response.status_code == 200
    assert "is-invalid" in html(response)
    assert resident.id_number not in html(response)
    assert PiiAccessLog.objects.count() == 0


def test_reveal_by_read_only_official_is_forbidden(client, users, territory):
    response = login(client, users.official).post(
        reverse("grids:resident_reveal", args=[territory.res_a1.pk]), {"reason": "检查"}
    )
    assert response.status_code == 403
    assert territory.res_a1.id_number not in html(response)
    assert PiiAccessLog.objects.count() == 0


def test_reveal_is_post_only(client, users, territory):
    response = login(client, users.grid_a1).get(reverse("grids:resident_reveal", args=[territory.res_a1.pk]))
    assert response.status_code == 405
    assert PiiAccessLog.objects.count() == 0


# ---------------------------------------------------------------- move


def test_move_page_access(client, users, territory):
    url = reverse("grids:resident_move", args=[territory.res_a1.pk])
    response = login(client, users.grid_a1).get(url)
    assert response.status_code == 200
    offered = [value for value, _label in response.context["form"].fields["household"].widget.choices if value]
    assert offered == [territory.hh_a1[1].pk]  # the grid's other household; not the current one
    assert login(client, users.official).get(url).status_code == 403
    assert login(client, users.steward).get(url).status_code == 403
    assert login(client, users.outsider).get(url).status_code == 404
    assert login(client, users.grid_a2).get(url).status_code == 404


def test_household_pickers_offer_one_place_at_a_time(client, users, territory):
    login(client, users.admin)
    url = reverse("grids:resident_create")

    def offered(response) -> set[int]:
        return {value for value, _label in response.context["form"].fields["household"].widget.choices if value}

    response = client.get(url)
    assert {p.code for p in response.context["places"]} == {territory.comm_a.code, territory.comm_b.code}
    assert offered(response) == set()  # a place is chosen first
    response = client.get(url, {"within": territory.comm_b.code})
    assert offered(response) == {territory.hh_b1[0].pk}
    response = client.get(url, {"household": territory.hh_a2[0].pk})
    assert response.context["within"] == territory.comm_a.code
    assert offered(response) == {h.pk for h in [*territory.hh_a1, *territory.hh_a2]}
    # Any household in scope is accepted, whichever place the list showed.
    data = resident_post(territory.hh_b1[0])
    response = client.post(f"{url}?within={territory.comm_a.code}", data)
    assert response.status_code == 302
    assert Resident.objects.get(id_number=data["id_number"]).household == territory.hh_b1[0]


def test_move_writes_history(client, users, territory):
    resident = territory.res_a1
    target = territory.hh_a2[0]
    today = timezone.localdate()
    response = login(client, users.community).post(
        reverse("grids:resident_move", args=[resident.pk]),
        {"household": target.pk, "on": today.isoformat(), "reason": "换房"},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.household == target and resident.region_code == target.region_code
    old, new = resident.residences.order_by("id")
    assert old.moved_out == today and old.household == territory.hh_a1[0]
    assert new.moved_out is None and new.household == target and new.reason == "换房"
    page = html(client.get(reverse("grids:resident_detail", args=[resident.pk])))
    assert target.address in page and territory.hh_a1[0].address in page


def test_move_out_and_history_outside_scope(client, users, territory):
    resident = territory.res_a1
    login(client, users.grid_a1)
    response = client.post(
        reverse("grids:resident_move", args=[resident.pk]),
        {"household": "", "moved_out": "on", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.household is None
    assert resident.residences.get().moved_out == timezone.localdate()
    # Still in grid A1's ledger (as moved out), not in anybody else's.
    assert client.get(reverse("grids:resident_detail", args=[resident.pk])).status_code == 200
    login(client, users.grid_a2)
    assert client.get(reverse("grids:resident_detail", args=[resident.pk])).status_code == 404


def test_move_choices_stay_in_editable_scope(client, users, territory):
    resident = territory.res_a1
    login(client, users.grid_a1)
    response = client.post(
        reverse("grids:resident_move", args=[resident.pk]),
        {"household": territory.hh_b1[0].pk, "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert "household" in response.context["form"].errors
    assert Resident.objects.get(pk=resident.pk).household == territory.hh_a1[0]


def test_move_needs_an_explicit_choice(client, users, territory):
    resident = territory.res_a1
    login(client, users.community)
    url = reverse("grids:resident_move", args=[resident.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"household": "", "on": today})
    assert response.status_code == 200
    assert "household" in response.context["form"].errors
    response = client.post(url, {"household": territory.hh_a2[0].pk, "moved_out": "on", "on": today})
    assert "moved_out" in response.context["form"].errors
    assert Resident.objects.get(pk=resident.pk).household == territory.hh_a1[0]
    assert resident.residences.count() == 1


def test_move_before_moving_in_is_refused(client, users, territory):
    resident = territory.res_a1
    response = login(client, users.community).post(
        reverse("grids:resident_move", args=[resident.pk]),
        {"household": territory.hh_a2[0].pk, "on": "2000-01-01"},
    )
    assert response.status_code == 200
    assert "on" in response.context["form"].errors
    assert resident.residences.count() == 1
    assert Resident.objects.get(pk=resident.pk).household == territory.hh_a1[0]


def test_region_counts_leave_out_moved_out_residents(client, users, territory):
    services.resident_move(resident=territory.res_a2, household=None, reason="搬走")
    response = login(client, users.community).get(reverse("grids:region_detail", args=[territory.comm_a.code]))
    assert response.context["totals"]["residents"] == 1
    assert counts(response.context["children"])[territory.grid_a2.code] == (1, 0, 1)


def test_not_found_page_is_chinese_and_the_same_for_out_of_scope(client, users, territory):
    login(client, users.outsider)
    out_of_scope = client.get(reverse("grids:resident_detail", args=[territory.res_a1.pk]))
    missing = client.get(reverse("grids:resident_detail", args=[99999999]))
    assert out_of_scope.status_code == missing.status_code == 404
    assert "页面不存在" in out_of_scope.content.decode()
    assert territory.res_a1.name not in out_of_scope.content.decode()
