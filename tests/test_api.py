"""The REST API under /api/v1/: scope, masking, the ledger rules, reveal, filters, tokens, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import LoginFailure
from grids import services
from grids.models import (
    Building,
    Estate,
    Household,
    LedgerColour,
    PiiAccessLog,
    Region,
    Residence,
    ResidencyType,
    Resident,
    Tag,
    Unit,
)
from grids.pii import mask_id_number, mask_phone
from grids.validators import id_check_char, is_known_address_code
from tests.factories import PASSWORD, ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db

RESIDENTS = "/api/v1/residents/"


@pytest.fixture
def api():
    return APIClient()


def login(api: APIClient, user) -> APIClient:
    api.force_login(user)
    return api


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def names(response) -> set[str]:
    return {row["name"] for row in rows(response)}


def unknown_address_id_number() -> str:
    """A valid ID number whose address code is not in the current division table (e.g. retired)."""
    for code in (str(n) for n in range(640300, 659999)):
        if not is_known_address_code(code):
            body = f"{code}19760203123"
            return body + id_check_char(body)
    raise AssertionError("every code is known")  # pragma: no cover


def counts() -> tuple[int, int]:
    return Resident.objects.count(), Residence.objects.count()


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("grid_a1", {"李明"}),
        ("steward", {"李明"}),
        ("community", {"李明", "王芳"}),
        ("outsider", {"马强"}),
        ("official", {"李明", "王芳", "马强"}),
        ("admin", {"李明", "王芳", "马强"}),
        ("department", set()),
        ("nobody", set()),
    ],
)
def test_resident_list_shows_only_the_users_scope(api, territory, users, username, expected):
    login(api, getattr(users, username))
    assert names(api.get(RESIDENTS)) == expected


def test_out_of_scope_resident_answers_404_like_a_missing_one(api, territory, users):
    login(api, users.outsider)
    out_of_scope = api.get(f"{RESIDENTS}{territory.res_a1.pk}/")
    missing = api.get(f"{RESIDENTS}999999/")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    assert territory.res_a1.name not in names(api.get(RESIDENTS))


def test_404_message_is_translated_and_names_no_model(api, territory, users):
    login(api, users.outsider)
    body = api.get(f"{RESIDENTS}{territory.res_a1.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body == {"detail": "未找到。"}


def test_grid_member_cannot_open_a_neighbouring_grids_resident(api, territory, users):
    login(api, users.grid_a1)
    assert api.get(f"{RESIDENTS}{territory.res_a1.pk}/").status_code == 200
    assert api.get(f"{RESIDENTS}{territory.res_a2.pk}/").status_code == 404


def test_department_staff_read_no_resident(api, territory, users):
    login(api, users.department)
    assert api.get(f"{RESIDENTS}{territory.res_a1.pk}/").status_code == 404


def test_anonymous_gets_nothing(api, territory):
    assert api.get(RESIDENTS).status_code in (401, 403)
    assert api.get("/api/v1/regions/").status_code in (401, 403)


def test_regions_are_scoped_and_looked_up_by_code(api, territory, users):
    t = territory
    login(api, users.grid_a1)
    codes = {row["code"] for row in rows(api.get("/api/v1/regions/"))}
    assert codes == {t.grid_a1.code, t.micro_a1.code}
    detail = api.get(f"/api/v1/regions/{t.micro_a1.code}/")
    assert detail.status_code == 200
    assert detail.json()["parent_code"] == t.grid_a1.code
    assert detail.json()["level"] == "microgrid"
    assert api.get(f"/api/v1/regions/{t.grid_a2.code}/").status_code == 404
    assert api.get("/api/v1/regions/640302001001009/").status_code == 404


def test_region_filters(api, territory, users):
    t = territory
    login(api, users.community)

    def codes(query: str) -> set[str]:
        return {row["code"] for row in rows(api.get(f"/api/v1/regions/?{query}"))}

    assert codes(f"parent={t.comm_a.code}") == {t.grid_a1.code, t.grid_a2.code}
    assert codes("level=microgrid") == {t.micro_a1.code}
    assert codes(f"under={t.grid_a1.code}") == {t.grid_a1.code, t.micro_a1.code}
    # the filter narrows the scope, never widens it
    assert codes(f"under={t.comm_b.code}") == set()


def test_territory_lists_are_scoped(api, territory, users):
    t = territory
    login(api, users.community)
    assert {row["name"] for row in rows(api.get("/api/v1/estates/"))} == {t.estate_a.name}
    assert {row["number"] for row in rows(api.get("/api/v1/buildings/"))} == {"1号楼", "2号楼"}
    assert len(rows(api.get("/api/v1/units/"))) == 2
    assert {row["id"] for row in rows(api.get("/api/v1/households/"))} == {h.pk for h in t.hh_a1 + t.hh_a2}
    assert api.get(f"/api/v1/estates/{t.estate_b.pk}/").status_code == 404
    assert api.get(f"/api/v1/households/{t.hh_b1[0].pk}/").status_code == 404

    login(api, users.outsider)
    assert {row["id"] for row in rows(api.get("/api/v1/households/"))} == {t.hh_b1[0].pk}
    assert api.get(f"/api/v1/households/{t.hh_a1[0].pk}/").status_code == 404

    login(api, users.department)
    assert rows(api.get("/api/v1/households/")) == []


def test_household_filters_by_place(api, territory, users):
    t = territory
    login(api, users.community)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in rows(api.get(f"/api/v1/households/?{query}"))}

    hh_a1 = {h.pk for h in t.hh_a1}
    assert ids(f"unit={t.unit_a1.pk}") == hh_a1
    assert ids(f"building={t.building_a1.pk}") == hh_a1
    assert ids(f"estate={t.estate_a.pk}") == hh_a1 | {t.hh_a2[0].pk}
    assert ids(f"region={t.grid_a2.code}") == {t.hh_a2[0].pk}
    assert ids(f"estate={t.estate_b.pk}") == set()
    detail = api.get(f"/api/v1/households/{t.hh_a1[0].pk}/").json()
    assert detail["resident_count"] == 1
    assert detail["building"] == t.building_a1.pk
    assert detail["estate"] == t.estate_a.pk

    units = rows(api.get(f"/api/v1/units/?building={t.building_a1.pk}"))
    assert [u["id"] for u in units] == [t.unit_a1.pk]
    buildings = rows(api.get(f"/api/v1/buildings/?region={t.grid_a1.code}"))
    assert [b["id"] for b in buildings] == [t.building_a1.pk]


# ---------------------------------------------------------------- masking


def test_list_and_detail_mask_id_number_and_phone(api, territory, users):
    resident = territory.res_a1
    login(api, users.community)
    for response in (api.get(RESIDENTS), api.get(f"{RESIDENTS}{resident.pk}/")):
        assert response.status_code == 200
        body = response.content.decode()
        assert resident.id_number not in body
        assert resident.phone not in body
    row = api.get(f"{RESIDENTS}{resident.pk}/").json()
    assert row["id_number"] == mask_id_number(resident.id_number)
    assert row["id_number"].endswith(resident.id_number[-4:])
    assert row["phone"] == mask_phone(resident.phone) == "139****5678"
    assert row["household"] == territory.hh_a1[0].pk
    assert row["household_address"] == territory.hh_a1[0].address
    assert row["region_code"] == territory.micro_a1.code
    assert row["age"] == resident.age
    assert row["is_elderly"] is False


def test_a_moved_out_resident_stays_in_the_ledger_without_an_address(api, territory, users):
    services.resident_move(resident=territory.res_a1, household=None, reason="迁出")
    login(api, users.community)
    row = api.get(f"{RESIDENTS}{territory.res_a1.pk}/").json()
    assert (row["household"], row["household_address"]) == (None, None)
    assert row["region_code"] == territory.micro_a1.code


# ---------------------------------------------------------------- create


def payload(household: Household, **extra) -> dict:
    data = {"household": household.pk, "name": "赵丽", "id_number": make_id_number(male=False), "phone": "13700001111"}
    data.update(extra)
    return data


def test_create_a_resident(api, territory, users):
    Tag.objects.create(slug="disabled", name="残疾人")
    household = territory.hh_a1[1]
    login(api, users.grid_a1)
    data = payload(household, tags=["disabled"], ledger_colour="blue", relation="spouse")
    response = api.post(RESIDENTS, data, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["warnings"] == []
    assert body["gender"] == "F"
    assert body["birth_date"] == "1980-05-17"
    assert body["tags"] == ["disabled"]
    assert body["id_number"] == mask_id_number(data["id_number"])
    assert data["id_number"] not in response.content.decode()
    resident = Resident.objects.get(pk=body["id"])
    assert resident.id_number == data["id_number"]
    assert resident.region_code == household.region_code
    assert resident.ledger_colour == LedgerColour.BLUE
    stay = Residence.objects.get(resident=resident)
    assert stay.household == household
    assert stay.moved_out is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda n: n[:17] + ("0" if n[17] != "0" else "1"), "id_number"),  # wrong check digit
        (lambda n: n[:10] + "1340" + n[14:17], "id_number"),  # 13th month, 40th day
        (lambda n: n[:6] + "21990101" + n[14:17], "id_number"),  # born in the future
        (lambda n: n[:12], "id_number"),  # too short
    ],
)
def test_create_rejects_a_bad_id_number(api, territory, users, change, field):
    login(api, users.community)
    number = change(make_id_number())
    if len(number) == 17:  # give the mangled body a correct check digit: only the date is wrong
        number += id_check_char(number)
    before = counts()
    response = api.post(RESIDENTS, payload(territory.hh_a1[1], id_number=number), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


def test_create_rejects_gender_and_birth_date_that_contradict_the_id(api, territory, users):
    login(api, users.community)
    before = counts()
    number = make_id_number(male=True, birth=dt.date(1990, 1, 2))
    response = api.post(
        RESIDENTS, payload(territory.hh_a1[1], id_number=number, gender="F", birth_date="1990-01-03"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"gender", "birth_date"}
    assert counts() == before
    ok = api.post(
        RESIDENTS, payload(territory.hh_a1[1], id_number=number, gender="M", birth_date="1990-01-02"), format="json"
    )
    assert ok.status_code == 201


def test_create_rejects_a_duplicate_id_number(api, territory, users):
    login(api, users.community)
    before = counts()
    response = api.post(RESIDENTS, payload(territory.hh_a1[1], id_number=territory.res_a2.id_number), format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert counts() == before


def test_create_rejects_a_bad_phone(api, territory, users):
    login(api, users.community)
    before = counts()
    response = api.post(RESIDENTS, payload(territory.hh_a1[1], phone="12345"), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert counts() == before


def test_create_with_an_unknown_address_code_saves_with_a_warning(api, territory, users):
    login(api, users.community)
    number = unknown_address_id_number()
    response = api.post(RESIDENTS, payload(territory.hh_a1[1], id_number=number), format="json")
    assert response.status_code == 201, response.content
    warnings = response.json()["warnings"]
    assert len(warnings) == 1
    assert number[:6] in warnings[0]
    assert Resident.objects.filter(id_number=number).exists()


def test_create_in_another_communitys_household_is_a_missing_household(api, territory, users):
    login(api, users.community)
    before = counts()
    foreign = api.post(RESIDENTS, payload(territory.hh_b1[0]), format="json")
    missing = api.post(RESIDENTS, {**payload(territory.hh_b1[0]), "household": 999999}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert list(foreign.json()) == ["household"]
    # the answer is the same as for an id that does not exist at all
    pk = str(territory.hh_b1[0].pk)
    assert foreign.json()["household"][0].replace(pk, "N") == missing.json()["household"][0].replace("999999", "N")
    assert counts() == before


def test_grid_member_cannot_create_in_another_grid(api, territory, users):
    login(api, users.grid_a1)
    before = counts()
    response = api.post(RESIDENTS, payload(territory.hh_a2[0]), format="json")
    assert response.status_code == 400
    assert "household" in response.json()
    assert counts() == before


@pytest.mark.parametrize("username", ["official", "steward", "department"])
def test_read_only_roles_cannot_create(api, territory, users, username):
    login(api, getattr(users, username))
    before = counts()
    response = api.post(RESIDENTS, payload(territory.hh_a1[1]), format="json")
    assert response.status_code == 403
    assert counts() == before


def test_create_with_an_unknown_tag_saves_nothing(api, territory, users):
    login(api, users.community)
    before = counts()
    response = api.post(RESIDENTS, payload(territory.hh_a1[1], tags=["no-such-tag"]), format="json")
    assert response.status_code == 400
    assert "tags" in response.json()
    assert counts() == before


# ---------------------------------------------------------------- update


def test_patch_changes_only_the_fields_sent(api, territory, users):
    resident = territory.res_a1
    login(api, users.community)
    response = api.patch(f"{RESIDENTS}{resident.pk}/", {"ledger_colour": "red", "note": "独居"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == []
    assert response.json()["ledger_colour"] == "red"
    refreshed = Resident.objects.get(pk=resident.pk)
    assert refreshed.ledger_colour == LedgerColour.RED
    assert refreshed.note == "独居"
    assert refreshed.id_number == resident.id_number
    assert refreshed.phone == resident.phone
    assert refreshed.name == resident.name


def test_put_keeps_id_number_and_phone_when_left_out(api, territory, users):
    resident = territory.res_a1
    login(api, users.grid_a1)
    response = api.put(f"{RESIDENTS}{resident.pk}/", {"name": "李明明", "residency_type": "floating"}, format="json")
    assert response.status_code == 200, response.content
    refreshed = Resident.objects.get(pk=resident.pk)
    assert (refreshed.name, refreshed.residency_type) == ("李明明", ResidencyType.FLOATING)
    assert (refreshed.id_number, refreshed.phone) == (resident.id_number, resident.phone)


def test_put_needs_a_name(api, territory, users):
    login(api, users.community)
    response = api.put(f"{RESIDENTS}{territory.res_a1.pk}/", {"ledger_colour": "red"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_patch_can_clear_the_phone_and_set_tags(api, territory, users):
    Tag.objects.create(slug="veteran", name="退役军人")
    resident = territory.res_a1
    login(api, users.community)
    response = api.patch(f"{RESIDENTS}{resident.pk}/", {"phone": "", "tags": ["veteran"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["veteran"]
    refreshed = Resident.objects.get(pk=resident.pk)
    assert refreshed.phone == ""
    assert list(refreshed.tags.values_list("slug", flat=True)) == ["veteran"]


def test_patch_with_a_bad_id_number_changes_nothing(api, territory, users):
    resident = territory.res_a1
    login(api, users.community)
    bad = resident.id_number[:17] + ("0" if resident.id_number[17] != "0" else "1")
    response = api.patch(f"{RESIDENTS}{resident.pk}/", {"id_number": bad, "name": "改名"}, format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    refreshed = Resident.objects.get(pk=resident.pk)
    assert (refreshed.id_number, refreshed.name) == (resident.id_number, resident.name)


@pytest.mark.parametrize("username", ["official", "steward"])
def test_read_only_roles_cannot_update(api, territory, users, username):
    resident = territory.res_a1
    login(api, getattr(users, username))
    assert api.get(f"{RESIDENTS}{resident.pk}/").status_code == 200
    assert api.patch(f"{RESIDENTS}{resident.pk}/", {"ledger_colour": "red"}, format="json").status_code == 403
    assert api.put(f"{RESIDENTS}{resident.pk}/", {"name": "改名"}, format="json").status_code == 403
    refreshed = Resident.objects.get(pk=resident.pk)
    assert (refreshed.name, refreshed.ledger_colour) == (resident.name, resident.ledger_colour)


def test_outsider_update_is_404(api, territory, users):
    login(api, users.outsider)
    response = api.patch(f"{RESIDENTS}{territory.res_a1.pk}/", {"ledger_colour": "red"}, format="json")
    assert response.status_code == 404
    assert Resident.objects.get(pk=territory.res_a1.pk).ledger_colour == LedgerColour.ORANGE


def test_residents_cannot_be_deleted_through_the_api(api, territory, users):
    login(api, users.admin)
    assert api.delete(f"{RESIDENTS}{territory.res_a1.pk}/").status_code == 405
    assert Resident.objects.filter(pk=territory.res_a1.pk).exists()


# ---------------------------------------------------------------- reveal


def reveal_url(resident: Resident) -> str:
    return f"{RESIDENTS}{resident.pk}/reveal/"


def test_reveal_answers_the_full_values_and_logs_once(api, territory, users):
    resident = territory.res_a1
    login(api, users.community)
    response = api.post(reveal_url(resident), {"reason": "上门核实低保"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"id_number": resident.id_number, "phone": resident.phone}
    assert "no-store" in response["Cache-Control"]
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.resident, log.reason, log.channel) == (users.community, resident, "上门核实低保", "api")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_reveal_needs_a_reason(api, territory, users, body):
    login(api, users.community)
    response = api.post(reveal_url(territory.res_a1), body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not PiiAccessLog.objects.exists()


@pytest.mark.parametrize("username", ["official", "steward"])
def test_reveal_refused_to_read_only_roles(api, territory, users, username):
    login(api, getattr(users, username))
    response = api.post(reveal_url(territory.res_a1), {"reason": "查看"}, format="json")
    assert response.status_code == 403
    assert territory.res_a1.id_number not in response.content.decode()
    assert not PiiAccessLog.objects.exists()


def test_reveal_out_of_scope_is_404(api, territory, users):
    login(api, users.outsider)
    response = api.post(reveal_url(territory.res_a1), {"reason": "查看"}, format="json")
    assert response.status_code == 404
    assert not PiiAccessLog.objects.exists()


# ---------------------------------------------------------------- filters


def test_resident_filters(api, territory, users):
    t = territory
    Resident.objects.filter(pk=t.res_a2.pk).update(ledger_colour=LedgerColour.RED)
    Resident.objects.filter(pk=t.res_a1.pk).update(residency_type=ResidencyType.FLOATING)
    login(api, users.community)

    def found(query: str) -> set[str]:
        return names(api.get(f"{RESIDENTS}?{query}"))

    assert found("q=李明") == {"李明"}
    assert found(f"q={t.res_a2.id_number[-4:]}") == {"王芳"}
    assert found("q=13912345678") == {"李明"}
    assert found("ledger_colour=red") == {"王芳"}
    assert found("residency_type=floating") == {"李明"}
    assert found("tag=elderly") == {"王芳"}
    assert found("age_min=60") == {"王芳"}
    assert found("age_max=59") == {"李明"}
    assert found("age_min=40&age_max=50") == {"李明"}
    assert found(f"region={t.grid_a2.code}") == {"王芳"}
    assert found(f"region={t.comm_a.code}") == {"李明", "王芳"}
    assert found(f"household={t.hh_a1[0].pk}") == {"李明"}
    assert found(f"unit={t.unit_a1.pk}") == {"李明"}
    assert found(f"building={t.building_a1.pk}") == {"李明"}
    assert found(f"estate={t.estate_a.pk}") == {"李明", "王芳"}
    # a filter never reaches outside the scope
    assert found("q=马强") == set()
    assert found(f"region={t.comm_b.code}") == set()


def test_resident_filter_by_custom_tag(api, territory, users):
    tag = Tag.objects.create(slug="disabled", name="残疾人")
    territory.res_a2.tags.add(tag)
    login(api, users.community)
    assert names(api.get(f"{RESIDENTS}?tag=disabled")) == {"王芳"}


def test_bad_filter_value_is_a_400(api, territory, users):
    login(api, users.community)
    response = api.get(f"{RESIDENTS}?ledger_colour=purple")
    assert response.status_code == 400
    assert "ledger_colour" in response.json()


# ---------------------------------------------------------------- tokens and /me/


def test_token_auth(api, territory, users):
    response = api.post("/api/v1/auth/token/", {"username": "community", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == users.community

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "community"
    assert body["roles"] == ["community_worker"]
    assert body["scope"] == [territory.comm_a.code]
    assert body["unrestricted"] is False
    assert body["assignments"][0]["region_code"] == territory.comm_a.code
    assert names(client.get(RESIDENTS)) == {"李明", "王芳"}

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_admin_me_is_unrestricted(api, territory, users):
    login(api, users.admin)
    body = api.get("/api/v1/me/").json()
    assert body["unrestricted"] is True


def test_token_is_refused_after_repeated_failures(api, territory, users):
    limit = settings.LOGIN_MAX_FAILURES
    for _ in range(limit):
        response = api.post("/api/v1/auth/token/", {"username": "community", "password": "wrong"}, format="json")
        assert response.status_code == 400
    locked = api.post("/api/v1/auth/token/", {"username": "community", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "token" not in locked.json()
    assert not Token.objects.filter(user=users.community).exists()
    # the lock is per account: another user still gets in
    other = api.post("/api/v1/auth/token/", {"username": "grid_a1", "password": PASSWORD}, format="json")
    assert other.status_code == 200
    assert LoginFailure.objects.filter(username="community").count() == limit


# ---------------------------------------------------------------- query counts

# session + user + scope + count + page; residents add the prefetches of households and tags. Whatever the rows.
LIST_QUERY_BUDGET = 5


def grow_community_a(territory, total_residents: int) -> None:
    """Add buildings, units, households and tagged residents to community A until it has enough."""
    tags = [Tag.objects.create(slug="disabled", name="残疾人"), Tag.objects.create(slug="veteran", name="退役军人")]
    existing = Resident.objects.under(territory.comm_a.code).count()
    for i in range(total_residents - existing):
        building = services.building_create(estate=territory.estate_a, number=f"{10 + i}号楼", region=territory.grid_a2)
        unit = services.unit_create(building=building, number="1单元")
        household = services.household_create(unit=unit, room="101")
        ResidentFactory.create(household, name=f"居民{i}", phone=f"1380000{i:04d}", tags=tags)


@pytest.mark.parametrize("total", [3, 30])
@pytest.mark.parametrize(
    ("url", "model", "budget"),
    [
        (RESIDENTS, Resident, LIST_QUERY_BUDGET + 2),
        ("/api/v1/households/", Household, LIST_QUERY_BUDGET),
        ("/api/v1/units/", Unit, LIST_QUERY_BUDGET),
        ("/api/v1/buildings/", Building, LIST_QUERY_BUDGET),
        ("/api/v1/estates/", Estate, LIST_QUERY_BUDGET),
        ("/api/v1/regions/", Region, LIST_QUERY_BUDGET),
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    api, territory, users, django_assert_max_num_queries, total, url, model, budget
):
    grow_community_a(territory, total)
    assert Resident.objects.visible_to(users.community).count() == total
    login(api, users.community)
    with django_assert_max_num_queries(budget):
        response = api.get(url)
    assert len(rows(response)) == model.objects.visible_to(users.community).count()


def test_browsable_api_pages_do_not_leak_personal_data(api, territory, users):
    resident = territory.res_a1
    login(api, users.community)
    for url in (RESIDENTS, f"{RESIDENTS}{resident.pk}/"):
        response = api.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert "text/html" in response["Content-Type"]
        html = response.content.decode()
        assert resident.id_number not in html
        assert resident.phone not in html


def test_fast_resident_rows_equal_the_generic_serializer_output(territory):
    from rest_framework import serializers as drf_serializers

    from grids.api.serializers import ResidentSerializer
    from grids.models import Tag

    resident = territory.res_a2
    resident.tags.add(Tag.objects.create(slug="disabled", name="残疾"))
    resident = Resident.objects.select_related("household").prefetch_related("tags").get(pk=resident.pk)
    serializer = ResidentSerializer(resident)
    generic = drf_serializers.ModelSerializer.to_representation(serializer, resident)
    assert serializer.data == generic
    moved = Resident.objects.get(pk=territory.res_b1.pk)
    moved.household = None
    assert ResidentSerializer(moved).data == drf_serializers.ModelSerializer.to_representation(
        ResidentSerializer(moved), moved
    )
