"""双报到 and the 双报告 export, co-building lists (match a need, make a project), 书记领办 projects and their
public board: the rules, the pages, the API, scoping and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partyorg.models import (
    DualRegistration,
    ListItemStatus,
    ListKind,
    MemberCategory,
    OrgKind,
    Position,
    PositionTitle,
    ProjectStatus,
    SecretaryProject,
    ServiceRecord,
)
from partyorg.services import service as services
from tests.party_factories import _member, _org

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today in Shanghai, read when asked: a run that crosses midnight must not keep yesterday."""
    return timezone.localdate()


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def w(party_world):
    return party_world


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def register(w, member=None, *, workplace="利通区税务局", registered_on=None, **kwargs) -> DualRegistration:
    return services.dual_registration_add(
        actor=w.u.community,
        member=member or w.in_service,
        community=w.t.comm_a,
        workplace=workplace,
        registered_on=registered_on or days_ago(100),
        **kwargs,
    )


def in_service_member(w, name: str, workplace: str = "吴忠市供电公司", phone: str = ""):
    member = _member(org=w.group, name=name, category=MemberCategory.IN_SERVICE, workplace=workplace)
    if phone:
        member.phone = phone
        member.save(update_fields=["phone"])
    return member


def make_secretary(w, member=None, org=None) -> Position:
    member = member or w.secretary
    org = org or w.committee
    position = Position(
        member=member, org=org, region_code=org.region_code, title=PositionTitle.SECRETARY, start_date=days_ago(400)
    )
    position.full_clean()
    position.save()
    return position


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


# ---------------------------------------------------------------- 双报到 rules


def test_only_in_service_members_register(w):
    with pytest.raises(ValidationError) as exc:
        register(w, w.mobile)
    assert "member" in exc.value.message_dict
    registration = register(w)
    assert registration.region_code == w.t.comm_a.code
    assert registration.workplace == "利通区税务局"


def test_a_member_registers_once_per_community_until_the_registration_ends(w):
    first = register(w)
    with pytest.raises(ValidationError) as exc:
        register(w)
    assert "member" in exc.value.message_dict
    services.dual_registration_end(actor=w.u.community, registration=first)
    second = register(w)
    assert DualRegistration.objects.filter(member=w.in_service).count() == 2
    assert second.ended_on is None


def test_registration_needs_a_community_and_an_editor_there(w):
    with pytest.raises(ValidationError) as exc:
        services.dual_registration_add(actor=w.u.community, member=w.in_service, community=w.t.grid_a1, workplace="x")
    assert "community" in exc.value.message_dict
    for user in (w.u.official, w.u.outsider, w.u.grid_a1):
        with pytest.raises(PermissionDenied):
            services.dual_registration_add(actor=user, member=w.in_service, community=w.t.comm_a, workplace="x")
    assert not DualRegistration.objects.exists()


@pytest.mark.parametrize(
    ("date_offset", "hours", "field"),
    [(0, "0", "hours"), (0, "-1", "hours"), (0, "24.5", "hours"), (0, "1.25", "hours"), (-1, "2", "date")],
)
def test_service_hours_and_dates_are_checked(w, date_offset, hours, field):
    registration = register(w)
    with pytest.raises(ValidationError) as exc:
        services.service_record_add(
            actor=w.u.community,
            registration=registration,
            date=today() - dt.timedelta(days=date_offset),
            hours=hours,
            description="清理楼道",
        )
    assert field in exc.value.message_dict
    assert not ServiceRecord.objects.exists()


def test_a_valid_service_is_recorded_with_the_community_code(w):
    registration = register(w)
    record = services.service_record_add(
        actor=w.u.community, registration=registration, date=today(), hours="24", description="值守"
    )
    assert record.hours == Decimal("24") and record.region_code == w.t.comm_a.code
    with pytest.raises(ValidationError) as exc:
        services.service_record_add(
            actor=w.u.community, registration=registration, date=days_ago(200), hours="1", description="早于报到"
        )
    assert "date" in exc.value.message_dict


# ---------------------------------------------------------------- the register page and the 双报告 export


@pytest.fixture
def report_world(w):
    """Two workplaces: 王军 (税务局) 3 + 1.5 hours in the period, one record before it; 赵磊 (供电公司) 2 hours."""
    tax = register(w)
    power_member = in_service_member(w, "赵磊", phone="13900001111")
    power = register(w, power_member, workplace="吴忠市供电公司")
    add = services.service_record_add
    add(actor=w.u.community, registration=tax, date=days_ago(10), hours="3", description="垃圾分类宣传")
    add(actor=w.u.community, registration=tax, date=days_ago(5), hours="1.5", description="楼道清理")
    add(actor=w.u.community, registration=tax, date=days_ago(60), hours="8", description="period之前")
    add(actor=w.u.community, registration=power, date=days_ago(3), hours="2", description="线路检查")
    return w


def test_register_page_shows_members_workplaces_and_total_hours(client, report_world):
    w = report_world
    client.force_login(w.u.grid_a1)
    assert client.get(reverse("partyorg:dual_register", args=[w.t.comm_a.code])).status_code == 404
    client.force_login(w.u.community)
    page = client.get(reverse("partyorg:dual_register", args=[w.t.comm_a.code])).content.decode()
    assert "王军" in page and "赵磊" in page and "吴忠市供电公司" in page
    assert "12.5" in page  # 3 + 1.5 + 8 for 王军
    assert "13900001111" not in page and "1390000" not in page


@pytest.mark.usefixtures("in_english")
def test_register_form_adds_a_registration_and_rejects_a_second(client, w):
    client.force_login(w.u.community)
    url = reverse("partyorg:dual_register", args=[w.t.comm_a.code])
    data = {"member": w.in_service.pk, "workplace": "", "skills": "水电维修", "registered_on": days_ago(1).isoformat()}
    response = client.post(url, data)
    assert response.status_code == 302
    registration = DualRegistration.objects.get()
    assert registration.workplace == "利通区税务局"  # taken from the member's record
    response = client.post(url, data)
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert DualRegistration.objects.count() == 1


def test_service_log_page_adds_a_record(client, w):
    registration = register(w)
    url = reverse("partyorg:dual_service_log", args=[registration.pk])
    client.force_login(w.u.community)
    response = client.post(url, {"date": today().isoformat(), "hours": "2.5", "description": "陪老人就医"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "陪老人就医" in page and "2.5" in page
    response = client.post(url, {"date": today().isoformat(), "hours": "30", "description": "太多"})
    assert response.status_code == 200 and ServiceRecord.objects.count() == 1


def _report_url(w, fmt: str = "") -> str:
    query = f"?start={days_ago(30).isoformat()}&end={today().isoformat()}"
    return reverse("partyorg:dual_report", args=[w.t.comm_a.code]) + query + (f"&format={fmt}" if fmt else "")


def test_dual_report_csv_totals_match_the_records_in_the_period(client, report_world):
    w = report_world
    client.force_login(w.u.official)  # read-only users may export
    response = client.get(_report_url(w, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["工作单位", "党员", "报到日期", "服务次数", "服务时长（小时）"]
    by_name = {(row[0], row[1]): row for row in rows[1:]}
    assert Decimal(by_name["利通区税务局", "王军"][4]) == Decimal("4.5")
    assert by_name["利通区税务局", "王军"][3] == "2"
    assert Decimal(by_name["吴忠市供电公司", "赵磊"][4]) == Decimal("2")
    assert Decimal(by_name["利通区税务局", "小计"][4]) == Decimal("4.5")
    in_period = ServiceRecord.objects.filter(date__gte=days_ago(30), date__lte=today())
    listed = sum(Decimal(row[4]) for row in rows[1:] if row[1] != "小计")
    assert listed == sum(r.hours for r in in_period)


def test_dual_report_xlsx_opens_with_the_same_totals(client, report_world):
    openpyxl = pytest.importorskip("openpyxl")
    w = report_world
    client.force_login(w.u.community)
    response = client.get(_report_url(w, "xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1] == ("工作单位", "党员", "报到日期", "服务次数", "服务时长（小时）")
    hours = {(row[0], row[1]): row[4] for row in values[2:]}
    assert hours["利通区税务局", "王军"] == pytest.approx(4.5)
    assert hours["吴忠市供电公司", "赵磊"] == pytest.approx(2)
    html = client.get(_report_url(w)).content.decode()
    assert "利通区税务局" in html and "4.5" in html


# ---------------------------------------------------------------- co-building and the three lists


@pytest.fixture
def lists(w):
    unit = services.cobuilding_unit_add(
        actor=w.u.community,
        community=w.t.comm_a,
        name="利通区供电公司",
        contact_name="周工",
        contact_phone="13812340000",
    )
    need = services.list_item_add(actor=w.u.community, community=w.t.comm_a, kind=ListKind.NEED, title="楼道照明")
    resource = services.list_item_add(
        actor=w.u.community, community=w.t.comm_a, kind=ListKind.RESOURCE, title="电工志愿服务", unit=unit
    )
    w.unit, w.need, w.resource = unit, need, resource
    return w


def test_resources_and_projects_name_a_unit_of_the_community(lists):
    w = lists
    with pytest.raises(ValidationError) as exc:
        services.list_item_add(actor=w.u.community, community=w.t.comm_a, kind=ListKind.RESOURCE, title="无单位")
    assert "unit" in exc.value.message_dict
    other = services.cobuilding_unit_add(actor=w.u.outsider, community=w.t.comm_b, name="朝阳物业")
    with pytest.raises(ValidationError) as exc:
        services.list_item_add(
            actor=w.u.community, community=w.t.comm_a, kind=ListKind.PROJECT, title="跨社区", unit=other
        )
    assert "unit" in exc.value.message_dict


def test_joint_committee_must_be_a_joint_committee_in_the_community(w):
    with pytest.raises(ValidationError) as exc:
        services.cobuilding_unit_add(actor=w.u.community, community=w.t.comm_a, name="甲", joint_committee=w.branch)
    assert "joint_committee" in exc.value.message_dict
    joint = _org(name="金塔社区联合党委", kind=OrgKind.JOINT_COMMITTEE, region=w.t.comm_a)
    unit = services.cobuilding_unit_add(actor=w.u.community, community=w.t.comm_a, name="甲", joint_committee=joint)
    assert unit.joint_committee == joint
    unit = services.cobuilding_unit_update(actor=w.u.community, unit=unit, contact_name="李工", joint_committee=None)
    assert unit.joint_committee is None and unit.contact_name == "李工"
    with pytest.raises(ValidationError):
        services.agreement_add(actor=w.u.community, unit=unit, signed_on=today(), valid_until=days_ago(1), text="条款")


def test_matching_a_need_and_making_a_project(lists):
    w = lists
    need, resource = services.need_match(actor=w.u.community, need=w.need, resource=w.resource)
    assert need.status == resource.status == ListItemStatus.MATCHED
    assert resource.need == need
    with pytest.raises(ValidationError):  # a matched need cannot be matched again
        services.need_match(actor=w.u.community, need=need, resource=resource)
    project = services.project_from_need(actor=w.u.community, need=need, resource=resource)
    need.refresh_from_db()
    resource.refresh_from_db()
    assert project.kind == ListKind.PROJECT and project.status == ListItemStatus.IN_PROGRESS
    assert (project.need, project.resource, project.unit) == (need, resource, w.unit)
    assert project.title == "楼道照明"
    assert need.status == resource.status == ListItemStatus.IN_PROGRESS
    services.list_item_set_status(actor=w.u.community, item=project, status=ListItemStatus.DONE)
    need.refresh_from_db()
    assert need.status == ListItemStatus.DONE


def test_matching_across_communities_or_kinds_is_refused(lists):
    w = lists
    other_unit = services.cobuilding_unit_add(actor=w.u.outsider, community=w.t.comm_b, name="朝阳物业")
    other = services.list_item_add(
        actor=w.u.outsider, community=w.t.comm_b, kind=ListKind.RESOURCE, title="车位", unit=other_unit
    )
    with pytest.raises(ValidationError) as exc:
        services.need_match(actor=w.u.community, need=w.need, resource=other)
    assert "resource" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.need_match(actor=w.u.community, need=w.resource, resource=w.resource)
    assert "need" in exc.value.message_dict
    w.need.refresh_from_db()
    assert w.need.status == ListItemStatus.OPEN


def test_cobuilding_page_matches_and_makes_a_project_with_htmx(client, lists):
    w = lists
    client.force_login(w.u.community)
    page = client.get(reverse("partyorg:cobuilding", args=[w.t.comm_a.code])).content.decode()
    assert "利通区供电公司" in page and "楼道照明" in page and "电工志愿服务" in page
    assert "13812340000" not in page and "138****0000" in page
    response = client.post(reverse("partyorg:need_match", args=[w.need.pk]), {"resource": w.resource.pk}, **HTMX)
    assert response.status_code == 200
    assert 'id="cobuilding-board"' in response.content.decode() and "<html" not in response.content.decode()
    response = client.post(
        reverse("partyorg:make_project", args=[w.need.pk]), {"resource": w.resource.pk, "title": "照亮楼道"}, **HTMX
    )
    assert response.status_code == 200 and "照亮楼道" in response.content.decode()
    w.need.refresh_from_db()
    assert w.need.status == ListItemStatus.IN_PROGRESS


# ---------------------------------------------------------------- 书记领办项目


def test_only_a_current_secretary_leads_a_project(w):
    with pytest.raises(ValidationError) as exc:
        services.secretary_project_add(
            actor=w.u.community, org=w.committee, secretary=w.secretary, title="加装电梯", goal="三栋楼加装电梯"
        )
    assert "secretary" in exc.value.message_dict
    make_secretary(w)
    with pytest.raises(ValidationError):  # a secretary of another organisation
        services.secretary_project_add(
            actor=w.u.community, org=w.branch, secretary=w.secretary, title="加装电梯", goal="三栋楼加装电梯"
        )
    project = services.secretary_project_add(
        actor=w.u.community, org=w.committee, secretary=w.secretary, title="加装电梯", goal="三栋楼加装电梯"
    )
    assert project.region_code == w.committee.region_code and project.status == ProjectStatus.PLANNED


@pytest.fixture
def project(w):
    make_secretary(w)
    return services.secretary_project_add(
        actor=w.u.community,
        org=w.committee,
        secretary=w.secretary,
        title="加装电梯",
        goal="三栋楼加装电梯",
        started_on=days_ago(30),
    )


def test_progress_updates_move_the_project(w, project):
    services.project_update_add(
        actor=w.u.community, project=project, date=days_ago(20), progress=40, note="完成征求意见"
    )
    project.refresh_from_db()
    assert (project.progress, project.status) == (40, ProjectStatus.UNDER_WAY)
    with pytest.raises(ValidationError) as exc:
        services.project_update_add(actor=w.u.community, project=project, date=days_ago(10), progress=20, note="")
    assert "note" in exc.value.message_dict
    for bad in ({"progress": 101}, {"progress": -1}):
        with pytest.raises(ValidationError):
            services.project_update_add(actor=w.u.community, project=project, date=today(), note="x", **bad)
    services.project_update_add(actor=w.u.community, project=project, date=days_ago(10), progress=30, note="一户反对")
    project.refresh_from_db()
    assert project.progress == 30
    services.project_update_add(actor=w.u.community, project=project, date=today(), progress=100, note="电梯投用")
    project.refresh_from_db()
    assert (project.progress, project.status) == (100, ProjectStatus.DONE)
    with pytest.raises(PermissionDenied):
        services.project_update_add(actor=w.u.official, project=project, date=today(), progress=100, note="x")


def test_projects_page_update_form_with_htmx(client, w, project):
    client.force_login(w.u.community)
    page = client.get(reverse("partyorg:projects", args=[w.t.comm_a.code])).content.decode()
    assert "加装电梯" in page
    response = client.post(
        reverse("partyorg:project_update_add", args=[project.pk]),
        {"date": today().isoformat(), "progress": "55", "note": "设备进场"},
        **HTMX,
    )
    assert response.status_code == 200 and "55%" in response.content.decode()
    project.refresh_from_db()
    assert project.progress == 55


def test_public_board_shows_only_public_projects_and_no_phones(client, w, project):
    w.secretary.phone = "13711112222"
    w.secretary.save(update_fields=["phone"])
    services.project_update_add(actor=w.u.community, project=project, date=today(), progress=60, note="井道施工")
    make_secretary(w, w.branch_secretary, w.branch)
    services.secretary_project_add(
        actor=w.u.community, org=w.branch, secretary=w.branch_secretary, title="内部事项", goal="x", is_public=False
    )
    response = client.get(reverse("partyorg:public_projects", args=[w.t.comm_a.code]))  # no login
    page = response.content.decode()
    assert response.status_code == 200
    assert "加装电梯" in page and "井道施工" in page and "60%" in page and "马秀兰" in page
    assert "内部事项" not in page
    assert "13711112222" not in page and "1371111" not in page
    assert client.get(reverse("partyorg:public_projects", args=["640302001009"])).status_code == 404
    assert client.get(reverse("partyorg:public_projects", args=[w.t.grid_a1.code])).status_code == 404


def test_public_board_shows_a_residents_name_for_a_linked_secretary(client, w):
    make_secretary(w, w.branch_secretary, w.branch)
    w.branch_secretary.name = "党员名册上的名字"
    w.branch_secretary.save(update_fields=["name"])
    services.secretary_project_add(actor=w.u.community, org=w.branch, secretary=w.branch_secretary, title="t", goal="g")
    page = client.get(reverse("partyorg:public_projects", args=[w.t.comm_a.code])).content.decode()
    assert w.t.res_a1.name in page and "党员名册上的名字" not in page


# ---------------------------------------------------------------- scoping on pages and in the API


def test_outsider_gets_404_and_official_403_on_pages(client, lists, project):
    w = lists
    registration = register(w)
    code = w.t.comm_a.code
    pages = [
        reverse("partyorg:dual_register", args=[code]),
        reverse("partyorg:dual_report", args=[code]),
        reverse("partyorg:dual_service_log", args=[registration.pk]),
        reverse("partyorg:cobuilding", args=[code]),
        reverse("partyorg:projects", args=[code]),
    ]
    client.force_login(w.u.outsider)
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("partyorg:need_match", args=[w.need.pk]), {"resource": w.resource.pk}).status_code == 404
    client.force_login(w.u.official)
    for url in pages:
        assert client.get(url).status_code == 200, url
    writes = [
        (pages[0], {"member": w.in_service.pk, "registered_on": today().isoformat()}),
        (pages[2], {"date": today().isoformat(), "hours": "1", "description": "x"}),
        (reverse("partyorg:need_match", args=[w.need.pk]), {"resource": w.resource.pk}),
        (reverse("partyorg:list_item_add", args=[code]), {"kind": "need", "title": "x"}),
        (reverse("partyorg:project_update_add", args=[project.pk]), {"date": today().isoformat(), "progress": 5}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    w.need.refresh_from_db()
    assert w.need.status == ListItemStatus.OPEN and ServiceRecord.objects.count() == 0


def test_api_scoping_reads_and_writes(lists, project):
    w = lists
    registration = register(w)
    outsider, official, worker = api_for(w.u.outsider), api_for(w.u.official), api_for(w.u.community)
    details = [
        f"/api/v1/dual-registrations/{registration.pk}/",
        f"/api/v1/cobuilding-units/{w.unit.pk}/",
        f"/api/v1/list-items/{w.need.pk}/",
        f"/api/v1/secretary-projects/{project.pk}/",
    ]
    for url in details:
        assert outsider.get(url).status_code == 404, url
        assert official.get(url).status_code == 200, url
    assert outsider.get("/api/v1/list-items/").json()["count"] == 0
    assert official.get(f"/api/v1/cobuilding-units/{w.unit.pk}/").json()["contact_phone"] == "138****0000"
    match = f"/api/v1/list-items/{w.need.pk}/match/"
    assert outsider.post(match, {"resource": w.resource.pk}).status_code == 404
    assert official.post(match, {"resource": w.resource.pk}).status_code == 403
    updates = f"/api/v1/secretary-projects/{project.pk}/updates/"
    assert official.post(updates, {"date": today(), "progress": 10, "note": "x"}).status_code == 403
    assert official.post("/api/v1/service-records/", {"registration": registration.pk, "date": today(),
                                                      "hours": "1", "description": "x"}).status_code == 403  # fmt: skip
    created = official.post("/api/v1/dual-registrations/", {"member": w.in_service.pk, "community": w.t.comm_a.code})
    assert created.status_code == 403
    # The worker of the community does all of it.
    assert worker.post(match, {"resource": w.resource.pk}).status_code == 200
    made = worker.post(f"/api/v1/list-items/{w.need.pk}/make-project/", {"resource": w.resource.pk})
    assert made.status_code == 201 and made.json()["status"] == "in_progress"
    response = worker.post(updates, {"date": today(), "progress": 100, "note": "完成"})
    assert response.status_code == 201 and response.json()["status"] == "done"
    response = worker.post(
        "/api/v1/service-records/",
        {"registration": registration.pk, "date": today(), "hours": "25", "description": "x"},
    )
    assert response.status_code == 400 and "hours" in response.json()
    response = worker.post("/api/v1/dual-registrations/", {"member": w.mobile.pk, "community": w.t.comm_a.code})
    assert response.status_code == 400 and "member" in response.json()


# ---------------------------------------------------------------- query counts


def test_register_page_and_api_queries_do_not_grow_with_rows(client, w, django_assert_max_num_queries):
    for i in range(6):
        registration = register(w, in_service_member(w, f"党员{i}", workplace=f"单位{i % 3}"))
        services.service_record_add(
            actor=w.u.community, registration=registration, date=today(), hours="1", description="服务"
        )
    client.force_login(w.u.community)
    url = reverse("partyorg:dual_register", args=[w.t.comm_a.code])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(_report_url(w, "csv")).status_code == 200
    api = api_for(w.u.community)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/dual-registrations/").json()["count"] == 6


def test_public_board_queries_do_not_grow_with_projects(client, w, django_assert_max_num_queries):
    make_secretary(w)
    for i in range(5):
        project = services.secretary_project_add(
            actor=w.u.community, org=w.committee, secretary=w.secretary, title=f"项目{i}", goal="g"
        )
        services.project_update_add(actor=w.u.community, project=project, date=today(), progress=10 * i, note="n")
    url = reverse("partyorg:public_projects", args=[w.t.comm_a.code])
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200
    assert SecretaryProject.objects.count() == 5
    api = api_for(w.u.community)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/secretary-projects/").json()["count"] == 5


def test_cobuilding_page_queries_do_not_grow_with_units_and_items(client, w, django_assert_max_num_queries):
    def add_rows(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            unit = services.cobuilding_unit_add(actor=w.u.community, community=w.t.comm_a, name=f"单位{i}")
            services.agreement_add(actor=w.u.community, unit=unit, signed_on=today(), valid_until=None, text="条款")
            need = services.list_item_add(actor=w.u.community, community=w.t.comm_a, kind=ListKind.NEED, title=f"需{i}")
            resource = services.list_item_add(
                actor=w.u.community, community=w.t.comm_a, kind=ListKind.RESOURCE, title=f"源{i}", unit=unit
            )
            services.project_from_need(actor=w.u.community, need=need, resource=resource)

    client.force_login(w.u.community)
    url = reverse("partyorg:cobuilding", args=[w.t.comm_a.code])
    add_rows(2, 0)
    client.get(url)
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200
    add_rows(4, 2)
    with django_assert_max_num_queries(11):
        page = client.get(url).content.decode()
    assert page.count('data-unit="') == 6 and page.count('data-list="project"') == 1
