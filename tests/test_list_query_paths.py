"""The fast paths of the two big lists answer exactly what the plain ones answered.

The resident list API brings each row's address and tags in the page's own query and its total
in the same query (grids.api.pagination.CountedPagePagination); the case list finds a place's
newest cases through the `case_place…_newest` indexes (cases.models.case.under_place). The
benchmarks in tests/bench time them; these tests pin what they answer.
"""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Case
from cases.models.case import PLACE_PREFIX_LENGTHS, under_place
from grids import services
from grids.models import Resident, Tag
from tests.case_factories import file_case
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

RESIDENTS = "/api/v1/residents/"
CASES = "/api/v1/cases/"


@pytest.fixture
def ledger(territory, users):
    """Sixty more residents in community A (two pages of 50), two of them tagged, one moved out."""
    tag = Tag.objects.create(slug="disabled", name="残疾")
    extra = [ResidentFactory.create(territory.hh_a1[1], name=f"居民{i}") for i in range(60)]
    extra[0].tags.add(tag, Tag.objects.create(slug="veteran", name="退役军人"))
    extra[5].tags.add(tag)
    services.resident_move(resident=extra[7], household=None, reason="迁出")
    client = APIClient()
    client.force_login(users.community)
    return client


def expected_ids(territory) -> list[int]:
    in_scope = Resident.objects.filter(region_code__startswith=territory.comm_a.code)
    return list(in_scope.order_by("region_code", "id").values_list("id", flat=True))


def test_resident_pages_count_and_cut_the_list_as_the_plain_pagination(ledger, territory):
    ids = expected_ids(territory)
    assert len(ids) == 62
    first, second = (ledger.get(RESIDENTS, {"page": page}).json() for page in (1, 2))
    assert first["count"] == second["count"] == 62
    assert first["previous"] is None and first["next"] is not None
    assert second["previous"] is not None and second["next"] is None
    assert [row["id"] for row in first["results"] + second["results"]] == ids
    last = ledger.get(RESIDENTS, {"page": "last"}).json()
    assert [row["id"] for row in last["results"]] == ids[50:]


def test_resident_rows_carry_address_and_tags_of_their_own(ledger, territory):
    rows = {row["id"]: row for row in ledger.get(RESIDENTS).json()["results"]}
    for resident in Resident.objects.filter(pk__in=rows).select_related("household").prefetch_related("tags"):
        row = rows[resident.pk]
        assert row["household_address"] == (resident.household.address if resident.household else None)
        assert row["tags"] == [tag.slug for tag in resident.tags.all()]
    assert sorted(len(row["tags"]) for row in rows.values())[-2:] == [1, 2]
    assert [row["household_address"] for row in rows.values()].count(None) == 1  # the one who moved out


def test_resident_page_past_the_end_or_malformed_is_refused(ledger):
    assert ledger.get(RESIDENTS, {"page": 3}).status_code == 404
    assert ledger.get(RESIDENTS, {"page": 0}).status_code == 400
    assert ledger.get(RESIDENTS, {"page": "abc"}).status_code == 400


def test_an_empty_resident_list_counts_zero(ledger, territory):
    body = ledger.get(RESIDENTS, {"region": territory.comm_a.code + "999"}).json()
    assert (body["count"], body["results"]) == (0, [])


def test_filtered_resident_pages_count_the_filtered_rows(ledger, territory):
    body = ledger.get(RESIDENTS, {"tag": "disabled"}).json()
    assert body["count"] == len(body["results"]) == 2


@pytest.fixture
def cases_everywhere(case_world):
    """Cases in every grid and micro-grid (filed by the administrator, who may file anywhere), and
    two whose region_code is a community's and a street's (shorter than the place prefixes)."""
    w = case_world
    t = w.t
    places = [t.micro_a1, t.grid_a1, t.grid_a2, t.grid_b1, t.grid_a1, t.grid_b1]
    cases = [file_case(w, reporter=w.u.admin, region=place, title=f"事件{place.code}") for place in places]
    for case, place in zip(cases[-2:], (t.comm_a, t.street), strict=True):
        Case.objects.filter(pk=case.pk).update(region=place, region_code=place.code)
    return w, cases


@pytest.mark.parametrize("prefix_of", ["street", "comm_a", "comm_b", "grid_a1", "micro_a1", "county"])
def test_under_place_finds_exactly_the_cases_whose_code_starts_with_the_prefix(cases_everywhere, prefix_of):
    w, _cases = cases_everywhere
    prefix = getattr(w.t, prefix_of).code
    expected = set(Case.objects.filter(region_code__startswith=prefix).values_list("pk", flat=True))
    assert expected
    assert set(Case.objects.filter(under_place(prefix)).values_list("pk", flat=True)) == expected


def test_case_list_by_region_lists_the_same_cases_newest_first(cases_everywhere):
    w, _cases = cases_everywhere
    client = APIClient()
    client.force_login(w.u.admin)
    for place in (w.t.street, w.t.comm_a, w.t.grid_a1, w.t.micro_a1):
        ids = [row["id"] for row in client.get(CASES, {"region": place.code}).json()["results"]]
        assert ids == list(
            Case.objects.filter(region_code__startswith=place.code).order_by("-id").values_list("pk", flat=True)
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("length", PLACE_PREFIX_LENGTHS)
def test_the_case_list_condition_is_the_one_the_place_index_holds(cases_everywhere, length):
    """The index is only any use if the list's condition is the expression it was built on."""
    w, _cases = cases_everywhere
    prefix = w.t.micro_a1.code[:length]
    rows = Case.objects.visible_to(w.u.admin, within=prefix).order_by("-id")[:50]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f"case_place{length}_newest" in plan, plan
