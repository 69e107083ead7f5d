"""PostgreSQL specifics: prefix queries on region codes are served by the pattern-ops indexes."""

import pytest
from django.db import connection

from grids.models import Household, Region, Resident

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "field", "index"),
    [
        (Resident, "region_code", "resident_region_code_pfx"),
        (Household, "region_code", "household_region_code_pfx"),
        (Region, "code", "grids_region_code_"),  # Django's own _like index of a unique field
    ],
)
def test_prefix_filter_uses_pattern_ops_index(territory, model, field, index):
    plan = explain(model._base_manager.filter(**{f"{field}__startswith": "640302001001"}).only("pk"))
    assert index in plan, plan


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["OPTIONS"].get("pool"), "Django's connection pool should be on"


@pytest.mark.postgres
@pytest.mark.django_db
def test_case_events_cannot_be_rewritten(case_world):
    from django.db import IntegrityError, transaction

    from cases.models import CaseEvent
    from tests.case_factories import file_case

    case = file_case(case_world)
    event = CaseEvent.objects.get(case=case)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(note="rewritten")
    event.refresh_from_db()
    assert event.note == ""
    case.delete()  # removing a case with its log is still possible (the demo's reset does it)
    assert not CaseEvent.objects.filter(pk=event.pk).exists()
