"""Import of organisations and members: Chinese columns, every row through the services, all or nothing."""

from __future__ import annotations

import pytest
import tablib
from django.urls import reverse

from partyorg.models import PartyMember, PartyOrg
from partyorg.resources import PartyMemberResource, PartyOrgResource

pytestmark = pytest.mark.django_db


def _import(resource, rows: list[list], headers: list[str]):
    dataset = tablib.Dataset(*rows, headers=headers)
    return resource.import_data(dataset, dry_run=False, raise_errors=False, rollback_on_validation_errors=True)


ORG_HEADERS = ["组织名称", "组织类型", "上级组织", "区划编码", "小区", "楼栋", "成立日期"]


def test_org_import_builds_a_chain(party_world):
    w = party_world
    result = _import(
        PartyOrgResource(actor=w.u.community),
        [
            ["金塔第二网格党支部", "党支部", "金塔社区党委", "640302001001002", "", "", "2021-07-01"],
            ["2号楼党小组", "党小组", "金塔第二网格党支部", "640302001001002", "金塔小区", "2号楼", "2021/7/1"],
        ],
        ORG_HEADERS,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    group = PartyOrg.objects.get(name="2号楼党小组")
    assert group.parent.name == "金塔第二网格党支部"
    assert [b.number for b in group.buildings.all()] == ["2号楼"]


def test_org_import_all_or_nothing_with_row_and_column(party_world):
    w = party_world
    result = _import(
        PartyOrgResource(actor=w.u.community),
        [
            ["金塔第二网格党支部", "党支部", "金塔社区党委", "640302001001002", "", "", ""],
            ["错位党支部", "党支部", "金塔社区党委", "640302001002001", "", "", ""],  # grid of community B
            ["怪组织", "俱乐部", "", "640302001001", "", "", ""],
        ],
        ORG_HEADERS,
    )
    assert result.has_validation_errors()
    errors = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert set(errors) == {2, 3}
    assert "组织类型" in errors[3]
    assert "区划编码" in errors[2]  # outside the importer's places
    assert not PartyOrg.objects.filter(name__in=["金塔第二网格党支部", "错位党支部", "怪组织"]).exists()


def test_org_import_rule_errors_keyed_by_column(party_world):
    w = party_world
    result = _import(
        PartyOrgResource(actor=w.u.community),
        [["空党小组", "党小组", "金塔第一网格党支部", "640302001001001", "", "", ""]],
        ORG_HEADERS,
    )
    [row] = result.invalid_rows
    assert row.number == 1 and "楼栋" in row.field_specific_errors


MEMBER_HEADERS = ["姓名", "所在组织", "党员类别", "身份证号", "电话", "入党日期", "转入日期", "工作单位"]


def test_member_import_all_or_nothing(party_world):
    w = party_world
    result = _import(
        PartyMemberResource(actor=w.u.community),
        [
            ["", "金塔社区党委", "退休党员", w.t.res_a2.id_number, "13812340000", "1980-07-01", "", ""],
            ["赵六", "金塔社区党委", "在职党员", "", "12345", "", "", ""],  # no workplace, bad phone
        ],
        MEMBER_HEADERS,
    )
    [row] = result.invalid_rows
    assert row.number == 2
    assert {"工作单位", "电话"} <= set(row.field_specific_errors)
    assert not PartyMember.objects.filter(name__in=["王芳", "赵六"]).exists()

    result = _import(
        PartyMemberResource(actor=w.u.community),
        [["", "金塔社区党委", "退休党员", w.t.res_a2.id_number, "13812340000", "1980-07-01", "", ""]],
        MEMBER_HEADERS,
    )
    assert not result.has_validation_errors() and not result.has_errors()
    member = PartyMember.objects.get(resident=w.t.res_a2)
    assert member.name == "王芳" and member.org == w.committee


def test_member_import_outsider_cannot_reach_community_a(party_world):
    w = party_world
    result = _import(
        PartyMemberResource(actor=w.u.outsider),
        [["赵六", "金塔社区党委", "直管党员", "", "", "", "", ""]],
        MEMBER_HEADERS,
    )
    [row] = result.invalid_rows
    assert "所在组织" in row.field_specific_errors
    assert not PartyMember.objects.filter(name="赵六").exists()


def test_admin_import_page_and_template(client, party_world):
    client.force_login(party_world.u.admin)
    assert client.get(reverse("admin:partyorg_partyorg_import")).status_code == 200
    response = client.get(reverse("admin:partyorg_partymember_import_template", args=["csv"]))
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("姓名,所在组织,党员类别")
    response = client.get(reverse("admin:partyorg_partyorg_import_template", args=["xlsx"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_admin_upload_with_bad_row_saves_nothing(client, party_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(party_world.u.admin)
    content = ("\ufeff姓名,所在组织,党员类别\r\n张三,金塔社区党委,直管党员\r\n李四,不存在的党委,直管党员\r\n").encode()
    response = client.post(
        reverse("admin:partyorg_partymember_import"),
        {"import_file": SimpleUploadedFile("members.csv", content), "format": "0", "resource": "0"},
    )
    body = response.content.decode()
    assert "不存在的党委" in body and "所在组织" in body
    assert not PartyMember.objects.filter(name__in=["张三", "李四"]).exists()
