"""The import centre's Party member roster (党员花名册): check, preview, apply, undo, scope, positions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from imports.kinds import get_kind
from imports.models import ApplyMode, ImportChange, ImportJob, JobState, RowStatus, StagedRow
from imports.pipeline.check import check_job
from imports.pipeline.jobs import begin_apply, run_apply, start_import, undo
from partyorg.models import MemberCategory, MemberStatus, PartyMember, Position, PositionTitle
from tests.factories import ResidentFactory, make_id_number

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号,所属党组织,党员类别,入党日期,转入日期,状态,职务,联系电话,工作单位"
TODAY = timezone.localdate()


def upload(text: str, name: str = "members.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"))


def checked(user, lines: list[str], header: str = HEADER) -> ImportJob:
    data = "\r\n".join([header, *lines]) + "\r\n"
    job, found = start_import(user=user, kind="party_members", upload=upload(data))
    assert found.ok and not found.unknown, (found.errors, found.unknown)
    job.state = JobState.CHECKING
    job.save()
    return check_job(job)


def applied(job: ImportJob, user, mode=ApplyMode.ALL) -> ImportJob:
    begin_apply(job, mode=mode, user=user)
    return run_apply(job.pk)


def wrong(job: ImportJob) -> dict[int, str]:
    return dict(StagedRow.objects.filter(job=job, status=RowStatus.WRONG).values_list("number", "errors"))


@pytest.fixture
def world(party_world):
    """The Party chain, plus 赵华 (leader of the building group) and two residents who are not members."""
    w = party_world
    t = w.t
    zhao = ResidentFactory.create(t.hh_a1[1], name="赵华")
    member = PartyMember.objects.create(
        org=w.group, region_code=w.group.region_code, resident=zhao, name="赵华",
        category=MemberCategory.DIRECT, joined_party_on=dt.date(2001, 7, 1), joined_org_on=dt.date(2015, 3, 1),
    )  # fmt: skip
    leader = Position.objects.create(
        member=member, org=w.group, region_code=w.group.region_code, title=PositionTitle.GROUP_LEADER,
        start_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    sun = ResidentFactory.create(t.hh_a1[1], name="孙丽", male=False)
    qian = ResidentFactory.create(t.hh_a2[0], name="钱进")
    return SimpleNamespace(**vars(w), zhao=zhao, zhao_member=member, leader=leader, sun=sun, qian=qian)


def li_ming(w, positions: str = "", phone: str = "") -> str:
    return f"李明,{w.t.res_a1.id_number},金塔第一网格党支部,退休党员,1998-07-01,{TODAY},正常,{positions},{phone},"


def test_new_changed_unchanged_and_wrong_rows_are_counted(world, users):
    w = world
    lines = [
        f"王芳,{w.t.res_a2.id_number},金塔社区党委,退休党员,1980-07-01,,,委员,13812340000,",  # new
        li_ming(w),  # unchanged
        f"赵华,{w.zhao.id_number},1号楼党小组,直管党员,2001-07-01,2015-03-01,正常,组长、委员,13900000009,",  # changed
        f"孙丽,{w.sun.id_number},不存在的党委,直管党员,,,,,,",  # unknown organisation
        f"钱进,{w.qian.id_number},朝阳社区党委,直管党员,,,,,,",  # an organisation outside community A
        f"周错,{make_id_number()},金塔社区党委,普通党员,,,,,,",  # no such category (nor resident)
    ]
    job = checked(users.community, lines)
    assert job.state == JobState.CHECKED, job.message
    assert (job.new_rows, job.unchanged_rows, job.changed_rows, job.wrong_rows) == (1, 1, 1, 3), wrong(job)
    errors = wrong(job)
    assert "不存在的党委" in errors[5]
    assert "不在您的辖区" in errors[6] and "朝阳社区党委" in errors[6]
    assert "党员类别" in errors[7]
    row = StagedRow.objects.get(job=job, status=RowStatus.CHANGED)
    assert row.before == {"phone": "", "positions": ["group_leader"]}
    assert row.data["create"] == ["committee_member"] and row.data["end"] == []
    shown = {c.label: (c.old, c.new) for c in get_kind("party_members").changes(row.data, row.before, user=users.admin)}
    assert shown["职务"] == ("组长", "委员、组长")
    assert "*" in shown["电话"][1]


def test_apply_then_undo_restores_members_and_positions(world, users):
    w = world
    lines = [
        f"王芳,{w.t.res_a2.id_number},金塔社区党委,退休党员,1980-07-01,,,委员,13812340000,",  # new, with a position
        li_ming(w, positions="书记"),  # a position created
        # transferred from the building group to the branch: 组长 (in the group) ends, 委员 starts in the branch
        f"赵华,{w.zhao.id_number},金塔第一网格党支部,直管党员,2001-07-01,2015-03-01,正常,委员,,",
    ]
    members, positions = PartyMember.objects.count(), Position.objects.count()
    job = applied(checked(users.community, lines), users.community)
    assert job.state == JobState.APPLIED, job.message
    assert job.written_rows == 3
    wang = PartyMember.objects.get(resident=w.t.res_a2)
    assert (wang.org, wang.name, wang.status, wang.joined_org_on) == (w.committee, "王芳", MemberStatus.ACTIVE, TODAY)
    assert wang.joined_party_on == dt.date(1980, 7, 1) and wang.phone == "13812340000"
    assert Position.objects.get(member=wang).title == PositionTitle.COMMITTEE_MEMBER
    assert Position.objects.get(member=w.branch_secretary, title=PositionTitle.SECRETARY).end_date is None
    zhao = PartyMember.objects.get(pk=w.zhao_member.pk)
    assert (zhao.org, zhao.region_code, zhao.joined_org_on) == (w.branch, w.branch.region_code, TODAY)
    w.leader.refresh_from_db()
    assert w.leader.end_date == TODAY
    new_post = Position.objects.get(member=zhao, title=PositionTitle.COMMITTEE_MEMBER)
    assert (new_post.org, new_post.start_date, new_post.end_date) == (w.branch, TODAY, None)

    assert undo(job, user=users.community) == []
    assert (PartyMember.objects.count(), Position.objects.count()) == (members, positions)
    zhao.refresh_from_db()
    assert (zhao.org, zhao.region_code, zhao.joined_org_on) == (w.group, w.group.region_code, dt.date(2015, 3, 1))
    w.leader.refresh_from_db()
    assert w.leader.end_date is None
    assert not Position.objects.filter(member=w.branch_secretary).exists()
    job.refresh_from_db()
    assert job.state == JobState.UNDONE


def test_leaving_members_positions_end_and_come_back_on_undo(world, users):
    w = world
    line = f"赵华,{w.zhao.id_number},1号楼党小组,直管党员,2001-07-01,2015-03-01,已去世,,,"
    job = applied(checked(users.admin, [line]), users.admin)
    assert job.state == JobState.APPLIED, job.message
    w.leader.refresh_from_db()
    assert w.leader.end_date == TODAY
    assert PartyMember.objects.get(pk=w.zhao_member.pk).status == MemberStatus.DECEASED
    assert undo(job, user=users.admin) == []
    w.leader.refresh_from_db()
    assert w.leader.end_date is None
    assert PartyMember.objects.get(pk=w.zhao_member.pk).status == MemberStatus.ACTIVE


def test_undo_refuses_after_a_later_change(world, users):
    w = world
    lines = [
        f"王芳,{w.t.res_a2.id_number},金塔社区党委,退休党员,1980-07-01,,,,13812340000,",
        li_ming(w, positions="书记"),
    ]
    job = applied(checked(users.admin, lines), users.admin)
    assert job.state == JobState.APPLIED, job.message
    PartyMember.objects.filter(resident=w.t.res_a2).update(phone="13712345678")
    Position.objects.filter(member=w.branch_secretary).update(end_date=TODAY)
    messages = undo(job, user=users.admin)
    assert messages and "2、3" in messages[0]
    assert PartyMember.objects.get(resident=w.t.res_a2).phone == "13712345678"
    assert ImportChange.objects.filter(job=job).exists()
    job.refresh_from_db()
    assert job.state == JobState.APPLIED


def test_undo_refuses_when_a_new_member_was_given_a_position_since(world, users):
    w = world
    job = applied(checked(users.admin, [f"王芳,{w.t.res_a2.id_number},金塔社区党委,退休党员,,,,,,"]), users.admin)
    wang = PartyMember.objects.get(resident=w.t.res_a2)
    Position.objects.create(member=wang, org=w.committee, region_code=w.committee.region_code, title="committee_member")
    assert undo(job, user=users.admin)
    assert PartyMember.objects.filter(pk=wang.pk).exists()


def test_a_change_after_the_check_makes_the_import_stale(world, users):
    w = world
    job = checked(users.admin, [li_ming(w, phone="13912340000")])
    assert job.changed_rows == 1
    PartyMember.objects.filter(pk=w.branch_secretary.pk).update(workplace="后来改的")
    job = applied(job, users.admin)
    assert job.state == JobState.FAILED and "2" in job.message
    assert PartyMember.objects.get(pk=w.branch_secretary.pk).phone == ""


def test_position_rules(world, users):
    w = world
    Position.objects.create(
        member=w.branch_secretary, org=w.branch, region_code=w.branch.region_code, title=PositionTitle.SECRETARY,
        start_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    lines = [
        f"孙丽,{w.sun.id_number},金塔第一网格党支部,直管党员,,,,书记,,",  # the branch has a secretary
        f"王芳,{w.t.res_a2.id_number},金塔社区党委,退休党员,,,,书记,,",  # the committee's secretary …
        f"钱进,{w.qian.id_number},金塔社区党委,退休党员,,,,书记、党员楼栋长,,",  # … twice; a building head
        f"赵华,{w.zhao.id_number},1号楼党小组,在职党员,,,,,,",  # in service without a workplace
    ]
    job = checked(users.community, lines)
    errors = wrong(job)
    assert set(errors) == {2, 4, 5}, errors
    assert "李明" in errors[2]
    assert "3" in errors[4] and "党员楼栋长" in errors[4]
    assert "工作单位" in errors[5]
    assert StagedRow.objects.get(job=job, number=3).status == RowStatus.NEW


def test_the_admin_imports_file_is_read(world, users):
    """The column names and date forms of the admin import (partyorg.resources) are accepted."""
    w = world
    header = "姓名,所在组织,党员类别,身份证号,电话,入党日期,转入日期,工作单位"
    job = checked(users.community, [f",金塔社区党委,退休党员,{w.t.res_a2.id_number},13812340000,1980.07,,"], header)
    assert job.new_rows == 1, wrong(job)
    job = applied(job, users.community)
    wang = PartyMember.objects.get(resident=w.t.res_a2)
    assert wang.name == "王芳" and wang.joined_party_on == dt.date(1980, 7, 1)


def test_a_name_that_is_not_the_residents_is_wrong(world, users):
    job = checked(users.community, [f"王小芳,{world.t.res_a2.id_number},金塔社区党委,退休党员,,,,,,"])
    assert "王芳" in wrong(job)[2]


def test_an_export_imports_back_unchanged(world, users):
    from config.exports import csv_chunks

    w = world
    Position.objects.create(
        member=w.branch_secretary, org=w.branch, region_code=w.branch.region_code, title=PositionTitle.SECRETARY,
        start_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    PartyMember.objects.filter(pk=w.zhao_member.pk).update(phone="0953-1234567", workplace="利通区税务局")
    kind = get_kind("party_members")
    rows = list(kind.export_rows(kind.export_queryset(users.admin), full=True))
    assert len(rows) == PartyMember.objects.filter(resident__isnull=False).count() == 3
    data = b"".join(csv_chunks(kind.export_header(), rows))
    job, found = start_import(user=users.admin, kind="party_members", upload=SimpleUploadedFile("export.csv", data))
    assert found.ok and not found.unknown, (found.errors, found.unknown)
    job.state = JobState.CHECKING
    job.save()
    job = check_job(job)
    assert (job.unchanged_rows, job.new_rows, job.changed_rows, job.wrong_rows) == (len(rows), 0, 0, 0), list(
        StagedRow.objects.filter(job=job).values_list("errors", "before")
    )
    masked = list(kind.export_rows(kind.export_queryset(users.admin), full=False))
    assert all("*" in row[1] for row in masked)
    assert {row[7] for row in masked} == {"书记", "组长", ""}


def test_duplicate_id_numbers_inside_the_file_make_both_rows_wrong(world, users):
    w = world
    lines = [
        f"王芳,{w.t.res_a2.id_number},金塔社区党委,退休党员,,,,,,",
        f"王芳,{w.t.res_a2.id_number},金塔第二网格党支部,退休党员,,,,,,",
    ]
    job = checked(users.admin, lines)
    errors = wrong(job)
    assert set(errors) == {2, 3} and "3" in errors[2] and "2" in errors[3]
