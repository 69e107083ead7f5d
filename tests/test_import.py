"""Bulk import of the resident roster (居民花名册) in the admin: same rules as the ledger form,
all or nothing, lookups by estate + building + unit + room under the chosen region."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from grids.models import (
    Household,
    LedgerColour,
    Relation,
    Residence,
    ResidencyType,
    Resident,
    Tag,
    Unit,
)
from grids.resources import IMPORT_COLUMNS, ROSTER_FORMATS, ExcelCSV, ResidentRosterResource
from grids.validators import id_check_char
from tests.factories import UserFactory, assign, make_id_number

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:grids_resident_import"
PROCESS_URL = "admin:grids_resident_process_import"
CSV_FORMAT = str(ROSTER_FORMATS.index(ExcelCSV))
COMMUNITY_A = "640302001001"


def row(name: str = "赵一", id_number: str | None = None, **columns) -> dict:
    values = {
        "姓名": name,
        "身份证号": id_number or make_id_number(birth=dt.date(1975, 6, 1)),
        "电话": "13800001111",
        "小区": "金塔小区",
        "楼栋": "1号楼",
        "单元": "1单元",
        "房号": "101",
    }
    values.update(columns)
    return values


def dataset(rows: list[dict], headers=IMPORT_COLUMNS) -> tablib.Dataset:
    data = tablib.Dataset(headers=list(headers))
    for values in rows:
        data.append([values.get(h, "") for h in headers])
    return data


def csv_bytes(rows: list[dict], headers=IMPORT_COLUMNS, encoding: str = "utf-8-sig") -> bytes:
    return dataset(rows, headers).export("csv").encode(encoding)


def run_import(region, rows_or_dataset, *, dry_run: bool = False):
    """The resource as the admin's confirm step runs it: one transaction, rolled back on any error."""
    data = rows_or_dataset if isinstance(rows_or_dataset, tablib.Dataset) else dataset(rows_or_dataset)
    return ResidentRosterResource(region=region).import_data(
        data, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
    )


def invalid_rows(result) -> dict[int, dict[str, list[str]]]:
    return {r.number: r.field_specific_errors for r in result.invalid_rows}


def valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def upload(client, content: bytes, *, name: str = "roster.csv", region: str = COMMUNITY_A, file_format=CSV_FORMAT):
    return client.post(
        reverse(IMPORT_URL),
        {"region": region, "format": file_format, "resource": "0", "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(reverse(PROCESS_URL), {k: form.initial.get(k, "") for k in form.fields}, follow=True)


@pytest.fixture
def tags(db):
    return {
        "subsistence": Tag.objects.create(slug="subsistence", name="低保户", is_system=True),
        "disabled": Tag.objects.create(slug="disabled", name="残疾人", is_system=True),
    }


# ---------------------------------------------------------------- the happy path, through the admin


def test_valid_csv_imports_three_residents_through_the_admin(client, territory, users, tags):
    t = territory
    ids = [
        make_id_number(birth=dt.date(1970, 1, 2)),
        make_id_number(birth=dt.date(1972, 3, 4), male=False),
        make_id_number(birth=dt.date(1990, 7, 8)),
    ]
    rows = [
        # an existing household
        row("赵一", ids[0], 人口类型="户籍", 与户主关系="户主", 台账颜色="红", 特殊群体="低保户、残疾人"),
        # unit "2" of 1号楼 and its room 201 do not exist yet: both are created
        row("赵二", ids[1], 电话="", 楼栋="1", 单元="2", 房号="201", 人口类型="常住", 与户主关系="配偶"),
        # 2号楼 1单元 exists, room 202 does not
        row(
            "钱三",
            ids[2],
            电话="0953-1234567",
            楼栋="2号楼",
            房号="202",
            人口类型="流动",
            与户主关系="租户",
            台账颜色="黄",
            备注="外卖骑手",
        ),
    ]
    client.force_login(users.admin)
    before = Resident.objects.count()

    preview = upload(client, csv_bytes(rows))
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    assert Resident.objects.count() == before  # the preview is a dry run
    page = preview.content.decode()
    assert ids[0] not in page and ids[0][:6] + "********" + ids[0][-4:] in page

    done = confirm(client, preview)
    assert done.redirect_chain[-1][0] == reverse("admin:grids_resident_changelist")
    assert Resident.objects.count() == before + 3

    zhao1, zhao2, qian3 = (Resident.objects.get(id_number=n) for n in ids)
    assert zhao1.household == t.hh_a1[0]
    assert zhao1.region_code == t.micro_a1.code
    assert (zhao1.gender, zhao1.birth_date) == ("M", dt.date(1970, 1, 2))
    assert zhao1.ledger_colour == LedgerColour.RED and zhao1.relation == Relation.HEAD
    assert set(zhao1.tags.values_list("slug", flat=True)) == {"subsistence", "disabled"}

    new_unit = Unit.objects.get(building=t.building_a1, number="2单元")
    assert new_unit.region_code == t.micro_a1.code
    assert zhao2.household.unit == new_unit and zhao2.household.room == "201"
    assert zhao2.household.address == "金塔小区1号楼2单元201"
    assert (zhao2.gender, zhao2.residency_type, zhao2.relation) == ("F", ResidencyType.PERMANENT, Relation.SPOUSE)
    assert zhao2.region_code == t.micro_a1.code and zhao2.phone == ""

    assert qian3.household.unit == t.hh_a2[0].unit and qian3.household.room == "202"
    assert qian3.region_code == t.grid_a2.code
    assert (qian3.residency_type, qian3.relation, qian3.ledger_colour) == (
        ResidencyType.FLOATING,
        Relation.TENANT,
        LedgerColour.YELLOW,
    )
    assert qian3.phone == "0953-1234567" and qian3.note == "外卖骑手"

    for resident in (zhao1, zhao2, qian3):
        stay = Residence.objects.get(resident=resident)
        assert stay.household == resident.household and stay.moved_out is None
        assert stay.region_code == resident.region_code
    assert LogEntry.objects.filter(object_id__in=[str(r.pk) for r in (zhao1, zhao2, qian3)]).count() == 3


def test_rows_sharing_a_new_household_create_it_once(territory):
    rows = [row("孙一", 单元="3单元", 房号="301"), row("孙二", 单元="3", 房号="301室", 与户主关系="子女")]
    result = run_import(territory.comm_a, rows)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Unit.objects.filter(building=territory.building_a1, number="3单元").count() == 1
    household = Household.objects.get(unit__building=territory.building_a1, room="301")
    assert set(household.residents.values_list("name", flat=True)) == {"孙一", "孙二"}
    assert result.roster_summary.units == 1 and result.roster_summary.households == 1


# ---------------------------------------------------------------- all or nothing


def test_bad_check_digit_and_duplicate_in_file_save_nothing_and_name_the_rows(client, territory, users):
    shared = make_id_number(birth=dt.date(1966, 2, 3))
    rows = [
        row("周一", make_id_number(birth=dt.date(1980, 1, 1))),
        row("周二", shared, 房号="102"),
        row("周三", bad_check_digit(make_id_number(birth=dt.date(1981, 1, 1)))),
        row("周四", shared, 房号="102"),
        row("周五", make_id_number(birth=dt.date(1982, 1, 1)), 单元="5单元", 房号="501"),
    ]
    counts = (Resident.objects.count(), Residence.objects.count(), Unit.objects.count(), Household.objects.count())

    result = run_import(territory.comm_a, rows)
    errors = invalid_rows(result)
    assert set(errors) == {2, 3, 4}
    assert all(list(fields) == ["身份证号"] for fields in errors.values())
    assert "4" in errors[2]["身份证号"][0] and "2" in errors[4]["身份证号"][0]  # each names the other row
    # the valid rows 1 and 5 (with its new unit and household) were rolled back too
    assert (Resident.objects.count(), Residence.objects.count(), Unit.objects.count(), Household.objects.count()) == (
        counts
    )

    client.force_login(users.admin)
    page = upload(client, csv_bytes(rows))
    assert page.status_code == 200
    assert page.context.get("confirm_form") is None
    assert [r.number for r in page.context["result"].invalid_rows] == [2, 3, 4]
    html = page.content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Some rows failed to validate") in html  # import-export's heading
    assert shared not in html  # the page does not echo full ID numbers
    assert Resident.objects.count() == counts[0]


def test_unknown_building_estate_and_out_of_region_building_are_row_errors(territory):
    rows = [
        row("吴一", 楼栋="9号楼"),
        row("吴二", 小区="不存在小区"),
        row("吴三", 小区="阳光水岸小区", 楼栋="8号楼", 房号="301"),  # community B, not under community A
        row("吴四", 楼栋="", 房号=""),
    ]
    result = run_import(territory.comm_a, rows)
    errors = invalid_rows(result)
    assert list(errors[1]) == ["楼栋"]
    assert list(errors[2]) == ["小区"]
    assert list(errors[3]) == ["小区"]
    assert set(errors[4]) == {"楼栋", "房号"}
    assert not Resident.objects.filter(name__startswith="吴").exists()
    assert not Household.objects.filter(room="9号楼").exists()


def test_the_ledger_rules_apply_to_every_row(territory):
    t = territory
    rows = [
        row("郑一", t.res_a1.id_number),  # already in the ledger
        row("郑二", valid_id("64030219800230001")),  # 30 February
        row("郑三", 电话="12345"),
        row("", make_id_number(birth=dt.date(1984, 4, 4))),
        row("郑五", 人口类型="外地", 与户主关系="邻居", 台账颜色="紫", 特殊群体="低保户"),
    ]
    errors = invalid_rows(run_import(t.comm_a, rows))
    assert list(errors[1]) == ["身份证号"]
    assert list(errors[2]) == ["身份证号"]
    assert list(errors[3]) == ["电话"]
    assert list(errors[4]) == ["姓名"]
    assert set(errors[5]) == {"人口类型", "与户主关系", "台账颜色", "特殊群体"}
    assert Resident.objects.filter(name__startswith="郑").count() == 0


def test_a_row_that_fails_at_the_final_step_rolls_back_the_whole_file(client, territory, users):
    """Between preview and confirm someone enters one of the file's residents by hand."""
    from tests.factories import ResidentFactory

    late = make_id_number(birth=dt.date(1991, 9, 9))
    rows = [row("冯一", make_id_number(birth=dt.date(1961, 1, 1))), row("冯二", late, 房号="102")]
    client.force_login(users.admin)
    preview = upload(client, csv_bytes(rows))
    assert preview.context["confirm_form"] is not None
    ResidentFactory.create(territory.hh_a2[0], name="冯二", id_number=late)

    done = confirm(client, preview)
    assert done.redirect_chain[-1][0] == reverse(IMPORT_URL)
    assert [m.level_tag for m in done.context["messages"]] == ["error"]
    assert not Resident.objects.filter(name="冯一").exists()


# ---------------------------------------------------------------- warnings, formats, the file itself


def test_retired_address_code_is_a_warning_on_the_confirm_page(client, territory, users):
    retired = valid_id("64210119800101002")  # 642101 is not in the current division table
    client.force_login(users.admin)
    preview = upload(client, csv_bytes([row("陈一", retired)]))
    assert preview.context["confirm_form"] is not None
    warnings = preview.context["result"].roster_summary.warnings
    assert [(number, column) for number, column, _message in warnings] == [(1, "身份证号")]
    assert "642101" in preview.content.decode()

    done = confirm(client, preview)
    assert Resident.objects.filter(id_number=retired).exists()
    assert sorted(m.level_tag for m in done.context["messages"]) == ["success", "warning"]


def test_gbk_csv_from_excel_imports(client, territory, users):
    client.force_login(users.admin)
    preview = upload(client, csv_bytes([row("褚一")], encoding="gb18030"))
    assert preview.context["confirm_form"] is not None
    confirm(client, preview)
    assert Resident.objects.filter(name="褚一").exists()


def test_xlsx_imports_and_a_numeric_id_cell_is_refused(client, territory, users):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(IMPORT_COLUMNS))
    good = make_id_number(birth=dt.date(1983, 3, 3))
    sheet.append(["卫一", good, 13800002222, "金塔小区", "1号楼", "1单元", 102, "户籍", "户主", "橙", None, None])
    sheet.append([None] * len(IMPORT_COLUMNS))  # a blank line is skipped
    sheet.append(["卫二", 640302198303030000, None, "金塔小区", "1号楼", "1单元", 102, None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    xlsx = str(ROSTER_FORMATS.index(next(f for f in ROSTER_FORMATS if f().get_title() == "xlsx")))

    client.force_login(users.admin)
    page = upload(client, out.getvalue(), name="roster.xlsx", file_format=xlsx)
    assert page.context.get("confirm_form") is None
    assert {r.number: list(r.field_specific_errors) for r in page.context["result"].invalid_rows} == {3: ["身份证号"]}

    sheet.delete_rows(3, 2)
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, out.getvalue(), name="roster.xlsx", file_format=xlsx)
    confirm(client, preview)
    resident = Resident.objects.get(id_number=good)
    assert resident.phone == "13800002222" and resident.household == territory.hh_a1[1]


def test_missing_columns_reject_the_file(client, territory, users):
    headers = [h for h in IMPORT_COLUMNS if h != "房号"]
    result = run_import(territory.comm_a, dataset([row("蒋一")], headers=headers))
    assert result.has_errors() and not result.rows
    assert "房号" in str(result.base_errors[0].error)
    assert not Resident.objects.filter(name="蒋一").exists()

    client.force_login(users.admin)
    page = upload(client, csv_bytes([row("蒋一")], headers=headers))
    assert page.context.get("confirm_form") is None
    assert "房号" in page.content.decode()


def test_header_aliases_are_understood(territory):
    headers = ["序号", "姓名", "身份证号码", "联系电话", "小区", "楼号", "单元", "门牌号"]
    data = tablib.Dataset(headers=headers)
    data.append([1, "沈一", make_id_number(birth=dt.date(1979, 9, 9)), "13800003333", "金塔小区", "2", "1", "201"])
    result = run_import(territory.comm_a, data)
    assert not result.has_validation_errors() and not result.has_errors()
    assert Resident.objects.get(name="沈一").household == territory.hh_a2[0]
    assert result.roster_summary.ignored_columns == ["序号"]


def test_rejected_upload_leaves_no_temporary_copy(client, territory, users):
    """The copy kept between preview and confirm holds full ID numbers: it lives briefly in the
    cache, never in a temporary folder, and a rejected file's copy goes at once."""
    from django.core.cache import cache

    from grids.resources.tmp_storage import ShortLivedCacheStorage

    client.force_login(users.admin)
    preview = upload(client, csv_bytes([row("韩一")]))
    kept = preview.context["form"].cleaned_data["import_file"].tmp_storage_name
    assert not os.path.exists(kept)
    assert cache.get(ShortLivedCacheStorage.CACHE_PREFIX + kept) is not None
    assert ShortLivedCacheStorage.CACHE_LIFETIME <= 3600
    confirm(client, preview)
    assert cache.get(ShortLivedCacheStorage.CACHE_PREFIX + kept) is None

    page = upload(client, csv_bytes([row("韩二", 楼栋="9号楼")]))
    rejected = page.context["form"].cleaned_data["import_file"].tmp_storage_name
    assert cache.get(ShortLivedCacheStorage.CACHE_PREFIX + rejected) is None


# ---------------------------------------------------------------- who may import


def test_region_must_exist_and_be_in_the_importers_scope(client, territory, users):
    client.force_login(users.admin)
    page = upload(client, csv_bytes([row()]), region="640302009009")
    assert "region" in page.context["form"].errors

    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_resident"))
    assign(staff, "community_worker", territory.comm_b)
    client.force_login(staff)
    assert client.get(reverse(IMPORT_URL)).context["form"].initial["region"] == territory.comm_b.code
    page = upload(client, csv_bytes([row()]), region=COMMUNITY_A)
    assert page.status_code == 200
    assert "region" in page.context["form"].errors
    assert Resident.objects.count() == 3


def test_staff_without_permission_cannot_import(client, territory, users):
    staff = UserFactory(username="clerk", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert upload(client, csv_bytes([row("杨一")])).status_code == 403
    assert client.post(reverse(PROCESS_URL), {"import_file_name": "x", "format": CSV_FORMAT}).status_code == 403
    assert client.get(reverse("admin:grids_resident_import_template", args=["csv"])).status_code == 403
    assert not Resident.objects.filter(name="杨一").exists()

    client.force_login(users.community)  # not staff at all: the admin sends them to its login
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_templates_hold_the_import_columns(client, territory, users):
    client.force_login(users.admin)
    response = client.get(reverse("admin:grids_resident_import_template", args=["csv"]))
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").strip().split(",") == list(IMPORT_COLUMNS)
    assert "attachment" in response["Content-Disposition"]

    openpyxl = pytest.importorskip("openpyxl")
    response = client.get(reverse("admin:grids_resident_import_template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(IMPORT_COLUMNS)
    assert sheet.column_dimensions["B"].number_format == "@"  # ID numbers stay text in Excel
    assert client.get(reverse("admin:grids_resident_import_template", args=["pdf"])).status_code == 404


# ---------------------------------------------------------------- speed


def test_lookups_are_cached_per_import(territory, django_assert_max_num_queries):
    """The queries per row do not include re-reading estates, buildings, units or tags."""
    rows = [
        row(f"秦{i}", make_id_number(birth=dt.date(1950 + i, 1, 1)), 楼栋=("1号楼", "2号楼")[i % 2], 房号=f"9{i:02d}")
        for i in range(40)
    ]
    # Per row (14 today): the row's savepoint, the services' checks and inserts for a new household
    # and its resident. Per file: the lookups. Re-reading places per row would add 3 a row.
    with django_assert_max_num_queries(40 * 15 + 20):
        result = run_import(territory.comm_a, rows)
    assert not result.has_validation_errors() and not result.has_errors()
    assert Resident.objects.filter(name__startswith="秦").count() == 40
