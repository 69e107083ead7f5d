"""The import centre's pages: the list and upload, the choice of columns, checking, the preview, the error
workbook, applying, undo, the templates, and who may see what."""

from __future__ import annotations

import datetime as dt
import io
import threading
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from grids.models import Resident
from imports.headers import match_headers
from imports.kinds import all_kinds
from imports.models import ImportJob, JobState
from imports.pipeline.jobs import progress_key, start_import
from imports.reading import open_table
from imports.workbook import cell_text, template_header
from tests.factories import UserFactory, assign, make_id_number

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号码,联系电话,小区,楼栋,单元,房号,人口类型,与户主关系,台账颜色,特殊群体,备注"


def roster(lines: list[str], *, header: str = HEADER, encoding: str = "gbk", name: str = "花名册.csv"):
    return SimpleUploadedFile(name, ("\r\n".join([header, *lines]) + "\r\n").encode(encoding))


@pytest.fixture(autouse=True)
def import_folder(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"


@pytest.fixture(autouse=True)
def forget_progress(db):
    """The cache outlives the test's rows (and their ids, reused after the rollback): forget the progress."""
    yield
    cache.delete_many([progress_key(pk) for pk in ImportJob.objects.values_list("pk", flat=True)])


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in the process, at the moment they are enqueued, and let their errors through."""
    from config.celery_app import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def lines(territory) -> SimpleNamespace:
    """A new person, a changed one (phone and colour), an unchanged one and a wrong row (bad phone)."""
    new_id = make_id_number(birth=dt.date(1991, 2, 3))
    return SimpleNamespace(
        new_id=new_id,
        rows=[
            f"赵新,{new_id},13900000001,金塔小区,1号楼,1单元,102,户籍,户主,橙,,",
            f"王芳,{territory.res_a2.id_number},13700000000,金塔小区,2号楼,1单元,201,户籍,户主,红,,",
            f"李明,{territory.res_a1.id_number},13912345678,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",
            f"钱错,{make_id_number()},139,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",
        ],
    )


def upload(client, lines, **fields):
    return client.post(reverse("imports:index"), {"kind": "residents", "file": roster(lines), **fields})


def check(client, job, django_capture_on_commit_callbacks, data=None):
    """Post the columns as the page shows them; the check task runs (eagerly) when the request commits."""
    data = data if data is not None else mapping_post(job)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:check", args=[job.pk]), data)
    job.refresh_from_db()
    return response


def mapping_post(job) -> dict:
    return {f"col-{key}": str(index) for key, index in job.mapping.items()}


def checked_job(client, user, lines, django_capture_on_commit_callbacks) -> ImportJob:
    client.force_login(user)
    response = upload(client, lines)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    check(client, job, django_capture_on_commit_callbacks)
    assert job.state == JobState.CHECKED, job.message
    return job


# ---------------------------------------------------------------- who may see what


def test_users_without_an_importing_role_are_refused(client, users):
    for user in (users.official, users.grid_a1, users.nobody):
        client.force_login(user)
        assert client.get(reverse("imports:index")).status_code == 403
        assert client.get(reverse("imports:template", args=["residents", "xlsx"])).status_code == 403
        assert reverse("imports:index") not in client.get(reverse("accounts:home")).content.decode()
    client.logout()
    assert client.get(reverse("imports:index")).status_code == 302  # to the login page
    client.force_login(users.community)
    assert reverse("imports:index") in client.get(reverse("accounts:home")).content.decode()


def test_the_index_lists_only_the_users_own_imports(client, users, lines):
    mine, _found = start_import(user=users.community, kind="residents", upload=roster(lines.rows, name="mine.csv"))
    theirs, _found = start_import(user=users.outsider, kind="residents", upload=roster(lines.rows, name="theirs.csv"))
    client.force_login(users.community)
    page = client.get(reverse("imports:index")).content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page
    assert mine.sha256[:12] in page and f'title="SHA-256 {mine.sha256}"' in page
    assert "居民及住户" in page and "已上传" in page
    client.force_login(users.admin)
    page = client.get(reverse("imports:index")).content.decode()
    assert "mine.csv" in page and "theirs.csv" in page


def test_someone_elses_import_is_not_found(client, users, lines):
    job, _found = start_import(user=users.community, kind="residents", upload=roster(lines.rows))
    client.force_login(users.outsider)
    for name in ("imports:job", "imports:progress", "imports:errors"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    for name in ("imports:check", "imports:cancel", "imports:apply", "imports:undo"):
        assert client.post(reverse(name, args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.UPLOADED
    client.force_login(users.admin)
    assert client.get(reverse("imports:job", args=[job.pk])).status_code == 200


def test_the_place_choice_is_offered_only_to_users_of_several_places(client, territory, users):
    client.force_login(users.community)
    assert 'name="place_code"' not in client.get(reverse("imports:index")).content.decode()
    both = UserFactory(username="both")
    assign(both, Role.COMMUNITY_WORKER, territory.comm_a)
    assign(both, Role.COMMUNITY_WORKER, territory.comm_b)
    client.force_login(both)
    page = client.get(reverse("imports:index")).content.decode()
    assert 'name="place_code"' in page and "金塔社区" in page and "朝阳社区" in page


# ---------------------------------------------------------------- upload and columns


def test_a_gbk_csv_upload_leads_to_the_choice_of_columns(client, users, lines):
    client.force_login(users.community)
    response = upload(client, lines.rows)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response.url == reverse("imports:job", args=[job.pk])
    assert job.created_by == users.community and job.place_code == "640302001001" and job.file_name == "花名册.csv"
    page = client.get(response.url).content.decode()
    assert 'id="mapping-form"' in page and "开始检查" in page
    # Each field preselects the file's column, the ID number (column B) included.
    assert '<option value="1" selected>B · 身份证号码</option>' in page
    assert 'name="col-gender"' in page and '<option value="" selected>—</option>' in page
    assert page.count('class="text-danger" title="必填"') >= 2  # name and ID number at least


def test_an_upload_that_is_not_a_roster_shows_the_reason(client, users):
    client.force_login(users.community)
    picture = SimpleUploadedFile("名单.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = client.post(reverse("imports:index"), {"kind": "residents", "file": picture})
    assert response.status_code == 200
    page = response.content.decode()
    assert "该文件是图片，不是花名册" in page.split('id="upload-form"')[1].split("</form>")[0]
    assert not ImportJob.objects.exists()
    response = client.post(
        reverse("imports:index"), {"kind": "residents", "file": SimpleUploadedFile("名单.xls", b"\xd0\xcf\x11\xe0")}
    )
    assert "该文件是旧版 Excel 工作簿" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_missing_required_columns_are_named_and_can_be_chosen(client, users, lines, django_capture_on_commit_callbacks):
    client.force_login(users.community)
    header = HEADER.replace("身份证号码", "证件")  # a name the matcher does not know
    response = client.post(reverse("imports:index"), {"kind": "residents", "file": roster(lines.rows, header=header)})
    job = ImportJob.objects.get()
    page = client.get(response.url).content.decode()
    assert 'id="mapping-errors"' in page and "身份证号" in page
    assert "证件" in page.split('id="ignored-columns"')[1]
    # Starting the check is refused until the column is chosen.
    response = check(client, job, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and 'id="mapping-errors"' in response.content.decode()
    assert job.state == JobState.UPLOADED
    # One column chosen for two fields is refused too.
    response = check(client, job, django_capture_on_commit_callbacks, {**mapping_post(job), "col-id_number": "0"})
    assert "被同时选为" in response.content.decode()
    assert job.state == JobState.UPLOADED


# ---------------------------------------------------------------- check, preview, error workbook


def test_checking_shows_progress_then_the_counts_and_the_preview(
    client, users, lines, territory, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(users.community)
    upload(client, lines.rows)
    job = ImportJob.objects.get()
    # While the worker has not finished, the page polls its progress panel.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("imports:check", args=[job.pk]), mapping_post(job))
    assert response.status_code == 302 and len(callbacks) == 1
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'class="progress' in page and "等待" in page
    ImportJob.objects.filter(pk=job.pk).update(done_rows=5000)
    panel = client.get(reverse("imports:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'id="job-progress"' in panel.content.decode() and "5000" in panel.content.decode()
    assert "<html" not in panel.content.decode()
    callbacks[0]()  # the task runs (eagerly)
    job.refresh_from_db()
    assert job.state == JobState.CHECKED
    # Once checked, the poll reloads the page, which shows the result.
    panel = client.get(reverse("imports:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert panel["HX-Refresh"] == "true"
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in page
    counts = page.split('id="check-counts"')[1].split("</section>")[0]
    for count in ("new", "changed", "unchanged", "wrong"):
        assert f'data-count="{count}">1<' in counts
    preview = page.split('id="changed-rows"')[1].split("</section>")[0]
    masked = territory.res_a2.id_number[:6] + "********" + territory.res_a2.id_number[-4:]
    assert masked in preview and territory.res_a2.id_number not in page
    assert "137****0000" in preview and "红" in preview  # the new phone (masked) and colour
    new = page.split('id="new-rows"')[1].split("</section>")[0]
    assert lines.new_id[:6] in new and lines.new_id not in page
    wrong = page.split('id="wrong-rows"')[1].split("</section>")[0]
    assert ">5<" in wrong and "手机" in wrong
    assert 'id="apply-form"' in page and 'value="all"' in page and 'value="valid_only"' in page


def test_the_error_workbook_holds_the_wrong_rows_with_what_is_wrong(
    client, users, lines, eager_tasks, django_capture_on_commit_callbacks
):
    job = checked_job(client, users.community, lines.rows, django_capture_on_commit_callbacks)
    response = client.get(reverse("imports:errors", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [*HEADER.split(","), "错误说明"]
    assert len(rows) == 2
    assert rows[1][0] == "钱错" and rows[1][2] == "139" and "手机" in rows[1][-1]
    assert sheet.cell(row=2, column=2).number_format == "@"  # the ID number column stays text


def test_a_job_without_wrong_rows_has_no_error_workbook(
    client, users, lines, eager_tasks, django_capture_on_commit_callbacks
):
    job = checked_job(client, users.community, lines.rows[:2], django_capture_on_commit_callbacks)
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'id="wrong-rows"' not in page
    assert client.get(reverse("imports:errors", args=[job.pk])).status_code == 404


# ---------------------------------------------------------------- apply and undo


def test_all_or_nothing_is_refused_with_wrong_rows_and_valid_only_applies_then_undo(
    client, users, lines, territory, eager_tasks, django_capture_on_commit_callbacks
):
    job = checked_job(client, users.community, lines.rows, django_capture_on_commit_callbacks)
    people = Resident.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:apply", args=[job.pk]), {"mode": "all"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "有 1 行错误" in page and 'id="apply-form"' in page
    job.refresh_from_db()
    assert job.state == JobState.CHECKED and Resident.objects.count() == people

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:apply", args=[job.pk]), {"mode": "valid_only"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.APPLIED and job.written_rows == 2
    assert Resident.objects.count() == people + 1
    territory.res_a2.refresh_from_db()
    assert territory.res_a2.phone == "13700000000"
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'id="undo-button"' in page and "data-confirm" in page and "已写入 2 行" in page
    page = client.get(reverse("imports:index")).content.decode()
    assert "已导入" in page

    response = client.post(reverse("imports:undo", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.UNDONE and Resident.objects.count() == people
    territory.res_a2.refresh_from_db()
    assert territory.res_a2.phone != "13700000000"
    assert "已撤销" in client.get(response.url).content.decode()


def test_undo_refused_after_a_later_change_names_the_rows(
    client, users, lines, territory, eager_tasks, django_capture_on_commit_callbacks
):
    job = checked_job(client, users.community, lines.rows[1:3], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:apply", args=[job.pk]), {"mode": "all"})
    job.refresh_from_db()
    assert job.state == JobState.APPLIED
    Resident.objects.filter(pk=territory.res_a2.pk).update(phone="13711112222")
    response = client.post(reverse("imports:undo", args=[job.pk]))
    assert response.status_code == 200
    errors = response.content.decode().split('id="job-errors"')[1].split("</div>")[0]
    assert "2" in errors and "无法撤销" in errors
    job.refresh_from_db()
    assert job.state == JobState.APPLIED


def test_cancelling_while_checking_and_checking_again_after_a_failure(
    client, users, lines, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(users.community)
    upload(client, lines.rows)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("imports:check", args=[job.pk]), mapping_post(job))
    client.post(reverse("imports:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.CHECKING and job.cancel_requested
    assert "正在取消" in client.get(reverse("imports:job", args=[job.pk])).content.decode()

    ImportJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, message="出错了")
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "出错了" in page and 'id="recheck-button"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:check", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.CHECKED

    client.post(reverse("imports:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and not job.stored_file
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'id="final-state"' in page and 'id="cancel-form"' not in page


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_downloads_read_back_with_every_column(client, users, fmt):
    client.force_login(users.community)
    response = client.get(reverse("imports:template", args=["residents", fmt]))
    assert response.status_code == 200
    expected_type = "application/vnd.openxmlformats" if fmt == "xlsx" else "text/csv"
    assert response["Content-Type"].startswith(expected_type)
    assert f"filename*=UTF-8''{quote('居民花名册模板')}.{fmt}" in response["Content-Disposition"]
    page = client.get(reverse("imports:index")).content.decode()
    for kind in all_kinds():  # every roster type offers its template, and it reads back whole
        url = reverse("imports:template", args=[kind.slug, fmt])
        assert f'href="{url}"' in page
        response = client.get(url)
        with open_table(b"".join(response.streaming_content), f"template.{fmt}") as table:
            assert list(table.headers) == template_header(kind.columns)
            found = match_headers(table.headers, kind.columns)
            rows = list(table.rows())
        assert found.ok and found.mapping == {column.key: index for index, column in enumerate(kind.columns)}
        assert len(rows) == 1
        _number, cells = rows[0]
        written = {column.key: cell_text(cell) for column, cell in zip(kind.columns, cells, strict=False)}
        assert written == {column.key: cell_text(kind.example.get(column.key)) for column in kind.columns}


def test_an_unknown_template_is_not_found(client, users):
    client.force_login(users.community)
    assert client.get(reverse("imports:template", args=["nothing", "xlsx"])).status_code == 404
    assert client.get(reverse("imports:template", args=["residents", "pdf"])).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_locked_by_the_worker_refuses_at_once_instead_of_waiting(client, territory, users, lines):
    """While the worker holds the job's row (applying takes minutes), a button answers at once."""
    job, _found = start_import(user=users.community, kind="residents", upload=roster(lines.rows))
    locked, release = threading.Event(), threading.Event()

    def worker():
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert locked.wait(10)
        client.force_login(users.community)
        response = client.post(reverse("imports:cancel", args=[job.pk]), follow=True)
        assert "正在写入或撤销中" in response.content.decode()
    finally:
        release.set()
        thread.join(10)
    job.refresh_from_db()
    assert job.state == JobState.UPLOADED
    client.post(reverse("imports:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED


def test_an_apply_whose_worker_stopped_can_be_started_again(
    client, users, lines, eager_tasks, django_capture_on_commit_callbacks
):
    job = checked_job(client, users.community, lines.rows, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as lost:  # the task never reaches a worker
        client.post(reverse("imports:apply", args=[job.pk]), {"mode": "valid_only"})
    assert len(lost) == 1
    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'id="job-progress"' in page and "0 / 2" in page
    again = page.split('id="apply-again"')[1].split("</details>")[0]
    assert 'name="mode" value="valid_only"' in again
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:apply", args=[job.pk]), {"mode": "valid_only"})
    job.refresh_from_db()
    assert job.state == JobState.APPLIED and job.written_rows == 2
