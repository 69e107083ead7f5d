"""The organisation tree: validation, positions and periods, steward coverage, member list, scoping, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grids import services as grid_services
from grids.models import Building, Unit
from partyorg.models import MemberCategory, OrgKind, PartyMember, PartyOrg, Position, PositionTitle
from partyorg.selectors import org as selectors
from partyorg.services import org as services

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today in Shanghai, read when asked: a run that crosses midnight must not keep yesterday."""
    return timezone.localdate()


DAY = dt.timedelta(days=1)


@pytest.fixture
def w(party_world):
    return party_world


# ---------------------------------------------------------------- tree validation


def test_community_worker_builds_branch_and_group(w):
    branch = services.org_create(
        actor=w.u.community, name="金塔第二网格党支部", kind=OrgKind.BRANCH, region=w.t.grid_a2, parent=w.committee
    )
    building = Building.objects.get(number="2号楼")
    group = services.org_create(
        actor=w.u.community, name="2号楼党小组", kind=OrgKind.GROUP, region=w.t.grid_a2, parent=branch,
        buildings=[building],
    )  # fmt: skip
    assert group.region_code == w.t.grid_a2.code
    assert list(group.buildings.all()) == [building]


def test_child_region_must_lie_inside_parent(w):
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            actor=w.u.admin, name="错位支部", kind=OrgKind.BRANCH, region=w.t.grid_b1, parent=w.committee
        )
    assert "parent" in exc.value.message_dict
    assert not PartyOrg.objects.filter(name="错位支部").exists()


@pytest.mark.parametrize(
    ("kind", "region_attr", "field"),
    [
        (OrgKind.COMMITTEE, "grid_a1", "region"),  # a community committee stands for a community
        (OrgKind.WORKING_COMMITTEE, "comm_a", "region"),  # a 党工委 stands for a street
        (OrgKind.GROUP, "comm_a", "region"),  # a group sits in a grid
        (OrgKind.GROUP, "grid_a2", "buildings"),  # ... with at least one building
        (OrgKind.PROPERTY_BRANCH, "grid_a1", "region"),  # a firm's branch is attached to the community
    ],
)
def test_level_rules(w, kind, region_attr, field):
    with pytest.raises(ValidationError) as exc:
        services.org_create(actor=w.u.admin, name="新组织", kind=kind, region=getattr(w.t, region_attr))
    assert field in exc.value.message_dict


def test_group_buildings_must_lie_inside_its_region(w):
    outside = Building.objects.get(number="2号楼")  # in grid A2
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            actor=w.u.community, name="越界党小组", kind=OrgKind.GROUP, region=w.t.micro_a1, parent=w.branch,
            buildings=[outside],
        )  # fmt: skip
    assert "2号楼" in " ".join(exc.value.message_dict["buildings"])


def test_small_estate_branch_at_community_level(w):
    org = services.org_create(
        actor=w.u.community, name="金塔小区党支部", kind=OrgKind.BRANCH, region=w.t.comm_a, parent=w.committee
    )
    assert org.region_code == w.t.comm_a.code


def test_no_cycle(w):
    with pytest.raises(ValidationError) as exc:
        services.org_update(actor=w.u.community, org=w.committee, parent=w.branch)
    assert "parent" in exc.value.message_dict
    w.committee.refresh_from_db()
    assert w.committee.parent is None


def test_edit_needs_an_editing_role_at_the_place(w):
    for user in (w.u.grid_a1, w.u.official, w.u.outsider):
        with pytest.raises(PermissionDenied):
            services.org_create(actor=user, name="x", kind=OrgKind.BRANCH, region=w.t.grid_a2, parent=w.committee)


def test_dissolve_refused_while_members_remain(w):
    with pytest.raises(ValidationError):
        services.org_dissolve(actor=w.u.community, org=w.group)
    for member in (w.in_service, w.mobile):
        services.member_transfer(actor=w.u.community, member=member, to_org=w.branch)
    services.org_dissolve(actor=w.u.community, org=w.group)
    w.group.refresh_from_db()
    assert w.group.dissolved_on == today()


# ---------------------------------------------------------------- members


def test_member_add_links_resident_and_rules(w):
    member = services.member_add(
        actor=w.u.community, org=w.committee, name="别的名字", category=MemberCategory.RETIRED, resident=w.t.res_a2
    )
    assert member.name == "王芳"  # the resident's name only
    assert member.region_code == w.committee.region_code
    with pytest.raises(ValidationError) as exc:
        services.member_add(actor=w.u.community, org=w.committee, category=MemberCategory.RETIRED, resident=w.t.res_a2)
    assert "resident" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # lives in community B
        services.member_add(actor=w.u.admin, org=w.committee, category=MemberCategory.DIRECT, resident=w.t.res_b1)
    assert "resident" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.member_add(
            actor=w.u.community, org=w.committee, name="赵六", category=MemberCategory.IN_SERVICE, phone="12345"
        )
    assert {"workplace", "phone"} <= set(exc.value.message_dict)


# ---------------------------------------------------------------- positions and periods


def test_one_secretary_at_a_time(w):
    first = services.position_assign(
        actor=w.u.community, member=w.secretary, title=PositionTitle.SECRETARY, start_date=today() - 100 * DAY
    )
    other = services.member_add(actor=w.u.community, org=w.committee, name="周强", category=MemberCategory.DIRECT)
    with pytest.raises(ValidationError) as exc:
        services.position_assign(actor=w.u.community, member=other, title=PositionTitle.SECRETARY, start_date=today())
    assert "马秀兰" in " ".join(exc.value.message_dict["start_date"])
    services.position_end(actor=w.u.community, position=first, end_date=today() - DAY)
    second = services.position_assign(
        actor=w.u.community, member=other, title=PositionTitle.SECRETARY, start_date=today()
    )
    assert Position.objects.current().filter(org=w.committee, title=PositionTitle.SECRETARY).get() == second
    # Extending the old period back over the new one is refused too.
    with pytest.raises(ValidationError):
        services.position_end(actor=w.u.community, position=first, end_date=today() + 10 * DAY)


def test_end_date_before_start_refused(w):
    position = services.position_assign(
        actor=w.u.community, member=w.secretary, title=PositionTitle.COMMITTEE_MEMBER, start_date=today()
    )
    with pytest.raises(ValidationError) as exc:
        services.position_end(actor=w.u.community, position=position, end_date=today() - DAY)
    assert "end_date" in exc.value.message_dict


def test_unit_steward_needs_a_unit_inside_and_one_per_unit(w):
    with pytest.raises(ValidationError) as exc:
        services.position_assign(
            actor=w.u.community, member=w.mobile, title=PositionTitle.UNIT_STEWARD, start_date=today()
        )
    assert "unit" in exc.value.message_dict
    unit_b = Unit.objects.get(building__number="8号楼")
    with pytest.raises(ValidationError):
        services.position_assign(
            actor=w.u.admin, member=w.mobile, title=PositionTitle.UNIT_STEWARD, unit=unit_b, start_date=today()
        )
    steward = services.position_assign(
        actor=w.u.community, member=w.mobile, title=PositionTitle.UNIT_STEWARD, unit=w.t.unit_a1, start_date=today()
    )
    assert steward.building == w.t.building_a1 and steward.region_code == w.t.unit_a1.region_code
    with pytest.raises(ValidationError) as exc:
        services.position_assign(
            actor=w.u.community, member=w.in_service, title=PositionTitle.UNIT_STEWARD, unit=w.t.unit_a1,
            start_date=today() + 5 * DAY,
        )  # fmt: skip
    assert "杨帆" in " ".join(exc.value.message_dict["start_date"])


def test_building_head_needs_a_building(w):
    with pytest.raises(ValidationError) as exc:
        services.position_assign(
            actor=w.u.community, member=w.in_service, title=PositionTitle.BUILDING_HEAD, start_date=today()
        )
    assert "building" in exc.value.message_dict


# ---------------------------------------------------------------- steward coverage


def _world_for_coverage(w):
    """Grid A1 gets a second building with two units; community A then has three buildings, four units."""
    extra = grid_services.building_create(estate=w.t.estate_a, number="3号楼", region=w.t.grid_a1)
    grid_services.unit_create(building=extra, number="1单元")
    second = grid_services.unit_create(building=extra, number="2单元")
    services.position_assign(
        actor=w.u.community, member=w.mobile, title=PositionTitle.UNIT_STEWARD, unit=w.t.unit_a1, start_date=today()
    )
    # An ended steward and a future one do not count.
    services.position_assign(
        actor=w.u.community, member=w.branch_secretary, title=PositionTitle.UNIT_STEWARD, unit=second,
        start_date=today() - 30 * DAY, end_date=today() - DAY,
    )  # fmt: skip
    return extra


def _plain_counts(code: str) -> dict:
    units = [u for u in Unit.objects.all() if u.region_code.startswith(code)]
    covered_units = 0
    for unit in units:
        for p in Position.objects.filter(unit=unit, title=PositionTitle.UNIT_STEWARD):
            if p.start_date <= today() and (p.end_date is None or p.end_date >= today()):
                covered_units += 1
                break
    buildings = [b for b in Building.objects.all() if b.region_code.startswith(code)]
    covered_buildings = 0
    for building in buildings:
        has_group = any(
            o.kind == OrgKind.GROUP and (o.dissolved_on is None or o.dissolved_on > today())
            for o in building.party_orgs.all()
        )
        has_head = any(
            p.title == PositionTitle.BUILDING_HEAD
            and p.start_date <= today()
            and (p.end_date is None or p.end_date >= today())
            for p in Position.objects.filter(building=building)
        )
        covered_buildings += has_group or has_head
    return {"units": (len(units), covered_units), "buildings": (len(buildings), covered_buildings)}


@pytest.mark.parametrize("level", ["grid_a1", "comm_a"])
def test_coverage_matches_plain_counts(w, level):
    extra = _world_for_coverage(w)
    services.position_assign(
        actor=w.u.community, member=w.branch_secretary, title=PositionTitle.BUILDING_HEAD, building=extra,
        start_date=today(),
    )  # fmt: skip
    code = getattr(w.t, level).code
    coverage = selectors.steward_coverage(w.u.community, code)
    plain = _plain_counts(code)
    assert (coverage.units_total, coverage.units_covered) == plain["units"]
    assert (coverage.buildings_total, coverage.buildings_covered) == plain["buildings"]
    expected_units = {"grid_a1": (3, 1), "comm_a": (4, 1)}[level]
    expected_buildings = {"grid_a1": (2, 2), "comm_a": (3, 2)}[level]
    assert (coverage.units_total, coverage.units_covered) == expected_units
    assert (coverage.buildings_total, coverage.buildings_covered) == expected_buildings
    assert coverage.unit_share == round(expected_units[1] / expected_units[0], 4)


def test_coverage_outsider_404(client, w):
    client.force_login(w.u.outsider)
    response = client.get("/api/v1/steward-coverage/", {"region": w.t.comm_a.code})
    assert response.status_code == 404
    client.force_login(w.u.community)
    response = client.get("/api/v1/steward-coverage/", {"region": w.t.comm_a.code})
    assert response.status_code == 200
    assert response.json()["buildings_covered"] == 1  # 1号楼 has its group


# ---------------------------------------------------------------- member list and masking


def test_member_list_filters(w):
    services.position_assign(
        actor=w.u.community, member=w.mobile, title=PositionTitle.UNIT_STEWARD, unit=w.t.unit_a1, start_date=today()
    )
    user = w.u.community

    def names(**filters):
        return sorted(m.name for m in selectors.member_list(user, {k: str(v) for k, v in filters.items()}))

    assert names() == ["李明", "杨帆", "王军", "马秀兰"]
    assert names(category=MemberCategory.IN_SERVICE) == ["王军"]
    assert names(org=w.branch.pk) == ["李明", "杨帆", "王军"]  # the branch and its group
    assert names(org=w.group.pk) == ["杨帆", "王军"]
    assert names(title=PositionTitle.UNIT_STEWARD) == ["杨帆"]
    assert names(q="王") == ["王军"]
    assert names(status="transferred") == []


def test_member_pages_mask_phones(client, w):
    services.member_update(actor=w.u.community, member=w.mobile, phone="13987654321")
    client.force_login(w.u.community)
    for url in (reverse("partyorg:member_list"), reverse("partyorg:member_detail", args=[w.mobile.pk])):
        body = client.get(url).content.decode()
        assert "139****4321" in body and "13987654321" not in body
    data = client.get("/api/v1/party-members/", {"q": "杨帆"}).json()
    assert data["results"][0]["phone"] == "139****4321"


# ---------------------------------------------------------------- scoping


def test_grid_member_sees_their_branch_only(client, w):
    client.force_login(w.u.grid_a1)
    body = client.get(reverse("partyorg:tree")).content.decode()
    assert "金塔第一网格党支部" in body and "1号楼党小组" in body
    assert "金塔社区党委" not in body and "朝阳社区党委" not in body
    fragment = client.get(reverse("partyorg:org_children", args=[w.branch.pk]), HTTP_HX_REQUEST="true")
    assert "1号楼党小组" in fragment.content.decode()
    assert client.get(reverse("partyorg:org_detail", args=[w.branch.pk])).status_code == 200
    assert client.get(reverse("partyorg:org_detail", args=[w.committee.pk])).status_code == 404
    ids = {o["id"] for o in client.get("/api/v1/party-orgs/").json()["results"]}
    assert ids == {w.branch.pk, w.group.pk}


@pytest.mark.parametrize("who", ["outsider", "nobody"])
def test_outsider_gets_404(client, w, who):
    client.force_login(getattr(w.u, who))
    for url in (
        reverse("partyorg:org_detail", args=[w.committee.pk]),
        reverse("partyorg:member_detail", args=[w.secretary.pk]),
        f"/api/v1/party-orgs/{w.committee.pk}/",
        f"/api/v1/party-members/{w.secretary.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("partyorg:member_add", args=[w.committee.pk]), {"name": "x", "category": "direct"})
    assert response.status_code == 404
    response = client.patch(
        f"/api/v1/party-members/{w.secretary.pk}/", {"workplace": "x"}, content_type="application/json"
    )
    assert response.status_code in (403, 404)


def test_read_only_roles_see_no_forms_and_get_403(client, w):
    for user in (w.u.official, w.u.grid_a1):
        client.force_login(user)
        org = w.branch
        body = client.get(reverse("partyorg:org_detail", args=[org.pk])).content.decode()
        assert reverse("partyorg:member_add", args=[org.pk]) not in body
        response = client.post(reverse("partyorg:member_add", args=[org.pk]), {"name": "x", "category": "direct"})
        assert response.status_code == 403
        response = client.post(
            "/api/v1/party-members/",
            {"org": org.pk, "name": "x", "category": "direct"},
            content_type="application/json",
        )
        assert response.status_code == 403
    assert not PartyMember.objects.filter(name="x").exists()


def test_community_worker_uses_the_forms(client, w):
    client.force_login(w.u.community)
    page = client.get(reverse("partyorg:org_detail", args=[w.group.pk])).content.decode()
    assert reverse("partyorg:position_add", args=[w.group.pk]) in page
    options = client.get(
        reverse("partyorg:resident_search", args=[w.committee.pk]), {"resident_q": "王"}, HTTP_HX_REQUEST="true"
    )
    assert "王芳" in options.content.decode()
    response = client.post(
        reverse("partyorg:member_add", args=[w.committee.pk]),
        {"resident": w.t.res_a2.pk, "category": "retired", "joined_org_on": today().isoformat()},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("partyorg:position_add", args=[w.group.pk]),
        {"member": w.mobile.pk, "title": "unit_steward", "unit": w.t.unit_a1.pk, "start_date": today().isoformat()},
    )
    assert response.status_code == 302
    position = Position.objects.get(unit=w.t.unit_a1)
    response = client.post(reverse("partyorg:position_end", args=[position.pk]), {"end_date": today().isoformat()})
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.end_date == today()
    # An overlapping secretary is refused with the holder named.
    services.position_assign(
        actor=w.u.community, member=w.branch_secretary, title=PositionTitle.SECRETARY, start_date=today()
    )
    response = client.post(
        reverse("partyorg:position_add", args=[w.branch.pk]),
        {"member": w.in_service.pk, "title": "secretary", "start_date": today().isoformat()},
    )
    assert response.status_code == 400
    assert "李明" in response.content.decode()


def test_api_create_and_end_position(client, w):
    client.force_login(w.u.community)
    response = client.post(
        "/api/v1/party-positions/",
        {"member": w.mobile.pk, "title": "unit_steward", "unit": w.t.unit_a1.pk, "start_date": today().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.post(
        f"/api/v1/party-positions/{pk}/end/", {"end_date": (today() - DAY).isoformat()}, content_type="application/json"
    )
    assert response.status_code == 400 and "end_date" in response.json()
    client.force_login(w.u.official)
    response = client.post(
        f"/api/v1/party-positions/{pk}/end/", {"end_date": today().isoformat()}, content_type="application/json"
    )
    assert response.status_code == 403


def test_cross_appointments(client, w):
    client.force_login(w.u.community)
    response = client.post(
        reverse("partyorg:cross_appointment_list"),
        {
            "community_org": w.committee.pk, "member": w.secretary.pk, "community_role": "社区党委委员",
            "organisation_kind": "property_firm", "organisation_name": "塞上物业", "organisation_role": "副经理",
            "start_date": today().isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    client.force_login(w.u.outsider)
    assert client.get("/api/v1/cross-appointments/").json()["count"] == 0
    client.force_login(w.u.official)
    assert "塞上物业" in client.get(reverse("partyorg:cross_appointment_list")).content.decode()
    assert client.post(reverse("partyorg:cross_appointment_list"), {}).status_code == 403


# ---------------------------------------------------------------- query counts


def _grow(w, n: int) -> None:
    for i in range(n):
        org = services.org_create(
            actor=w.u.admin, name=f"物业党支部{i}", kind=OrgKind.PROPERTY_BRANCH, region=w.t.comm_a, parent=w.committee
        )
        member = services.member_add(actor=w.u.admin, org=org, name=f"党员{i}", category=MemberCategory.DIRECT)
        services.position_assign(actor=w.u.admin, member=member, title=PositionTitle.SECRETARY, start_date=today())


def test_tree_query_count_does_not_grow(client, w, django_assert_max_num_queries):
    client.force_login(w.u.community)
    _grow(w, 2)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("partyorg:tree")).status_code == 200
    _grow_more = 8
    for i in range(_grow_more):
        services.org_create(
            actor=w.u.admin, name=f"新就业支部{i}", kind=OrgKind.NEW_EMPLOYMENT_BRANCH, region=w.t.comm_a,
            parent=w.committee,
        )  # fmt: skip
    with django_assert_max_num_queries(8):
        response = client.get(reverse("partyorg:tree"))
    assert "新就业支部7" in response.content.decode()


def test_member_list_query_count(client, w, django_assert_max_num_queries):
    _grow(w, 10)
    client.force_login(w.u.community)
    # One more than the rows need: the row count shown above the list (the menu's checks are cached per request).
    with django_assert_max_num_queries(10):
        assert client.get(reverse("partyorg:member_list"), {"org": w.committee.pk}).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get("/api/v1/party-members/").status_code == 200


def test_vacancy_badge(w):
    roots = selectors.org_tree(w.u.community)
    nodes = {node.org.name: node for root in roots for node in root.walk()}
    assert nodes["1号楼党小组"].is_vacant
    services.position_assign(actor=w.u.community, member=w.mobile, title=PositionTitle.GROUP_LEADER, start_date=today())
    nodes = {node.org.name: node for root in selectors.org_tree(w.u.community) for node in root.walk()}
    assert not nodes["1号楼党小组"].is_vacant
    assert nodes["1号楼党小组"].member_count == 2
