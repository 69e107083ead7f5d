"""The import centre in a real browser, on a phone and on a desktop: a GBK roster uploaded, its columns
matched, the check's progress polled, the error workbook downloaded, all-or-nothing refused, the correct
rows applied with their progress, and the import undone.

The test stands in for the Celery worker, as the dashboard test runs the rollup itself: the pages
enqueue their tasks (``imports.tasks``) into a list, and the test runs them when it chooses, so it can
look at the page while a task is waiting or half done.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from grids.models import Resident
from imports import tasks
from imports.models import ImportJob, JobState
from imports.pipeline.jobs import progress_key
from imports.tasks import apply_import, check_import
from tests.factories import build_named_users, build_territory, make_id_number

from .harness import PHONE, assert_chinese, assert_no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

HEADER = "姓名,身份证号码,联系电话,小区,楼栋,单元,房号,人口类型,与户主关系,台账颜色,特殊群体,备注"


@pytest.fixture(scope="module")
def world(browser_data) -> SimpleNamespace:
    t = build_territory()
    u = build_named_users(t)
    return SimpleNamespace(t=t, u=u)


@pytest.fixture
def worker(monkeypatch) -> SimpleNamespace:
    """The tasks the pages enqueue, held until the test runs them (``run``) in its own thread.

    The pipeline looks its tasks up in ``imports.tasks`` when it enqueues one, so stand-ins there
    catch them in the live server's threads too (a Celery task object may differ from thread to
    thread: each thread has its current app).
    """
    queued: list[tuple] = []
    for name, task in (("check_import", check_import), ("apply_import", apply_import)):
        stand_in = SimpleNamespace(
            delay=lambda job_id, task=task: queued.append((task, job_id)),
            apply_async=lambda args, task=task, **options: queued.append((task, *args)),
        )
        monkeypatch.setattr(tasks, name, stand_in)

    def run() -> int:
        count = 0
        while queued:
            task, job_id = queued.pop(0)
            task.run(job_id)
            count += 1
        return count

    return SimpleNamespace(queued=queued, run=run)


@pytest.fixture
def import_folder(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"


def roster(world, viewport) -> bytes:
    """A new person, a changed one (phone and colour), an unchanged one and a row with a wrong phone."""
    t = world.t
    new_id = make_id_number(birth=dt.date(1990, 1, 1) + dt.timedelta(days=viewport.width))
    lines = [
        f"赵{viewport.width},{new_id},13900000001,金塔小区,1号楼,1单元,102,户籍,户主,橙,,",
        f"王芳,{t.res_a2.id_number},1370000{viewport.width:04d},金塔小区,2号楼,1单元,201,户籍,户主,红,,",
        f"李明,{t.res_a1.id_number},13912345678,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",
        f"钱错,{make_id_number()},139,金塔小区,1号楼,1单元,101,户籍,户主,橙,,",
    ]
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("gbk")


def test_upload_check_download_apply_and_undo(pages, world, viewport, worker, import_folder, tmp_path):
    people = Resident.objects.count()
    page = pages.open(reverse("imports:index"), viewport, user=world.u.community)
    assert_chinese(page.title())
    assert_no_horizontal_overflow(page)
    if viewport is PHONE:  # the menu folds away on a phone
        page.locator(".navbar-toggler").click()
    expect(page.locator(f'nav a[href="{reverse("imports:index")}"]')).to_be_visible()
    screenshot(page, f"imports-index-{viewport}")

    # Upload: the file is kept and its columns matched; nothing is checked yet.
    name = f"花名册-{viewport}.csv"
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": roster(world, viewport)}])
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#mapping-form")).to_be_visible()
    job = ImportJob.objects.get(file_name=name)
    cache.delete(progress_key(job.pk))  # left by another test's import, whose id the database may reuse
    expect(page.locator("#id_col-id_number option:checked")).to_have_text("B · 身份证号码")
    expect(page.locator("#id_col-gender option:checked")).to_have_text("—")
    assert_no_horizontal_overflow(page)
    screenshot(page, f"imports-mapping-{viewport}")

    # Checking: the bar runs while the worker has not started, then shows the rows done and the rate.
    page.locator("#start-check").click()
    progress = page.locator("#job-progress")
    expect(progress.locator(".progress-bar")).to_be_visible()
    expect(page.locator("#progress-text")).to_contain_text("等待后台任务开始")
    assert [task for task, _job in worker.queued] == [check_import]
    ImportJob.objects.filter(pk=job.pk).update(done_rows=1200, started_at=timezone.now() - dt.timedelta(seconds=2))
    expect(page.locator("#progress-text")).to_contain_text("已检查 1200 行")
    expect(page.locator("#progress-text")).to_contain_text("每秒")
    assert_no_horizontal_overflow(page)
    screenshot(page, f"imports-checking-{viewport}")
    assert worker.run() == 1
    # The next poll finds the job checked and reloads the page with the result.
    expect(page.locator("#job-state")).to_have_attribute("data-state", "checked", timeout=10_000)
    for count in ("new", "changed", "unchanged", "wrong"):
        expect(page.locator(f'[data-count="{count}"]')).to_have_text("1")
    expect(page.locator("#changed-rows .changed-row")).to_have_count(1)
    expect(page.locator("#changed-rows")).to_contain_text(f"137****{viewport.width:04d}")
    expect(page.locator("#wrong-rows .wrong-row")).to_have_count(1)
    assert_no_horizontal_overflow(page)
    screenshot(page, f"imports-checked-{viewport}")

    # The error workbook: the wrong row as written, and what is wrong with it.
    with page.expect_download() as download:
        page.locator("#error-workbook").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and "错误清单" in saved.name
    rows = [[cell.value for cell in row] for row in load_workbook(saved).worksheets[0].iter_rows()]
    assert rows[0][-1] == "错误说明" and len(rows) == 2
    assert rows[1][0] == "钱错" and "手机" in rows[1][-1]

    # All or nothing is refused while a row is wrong; nothing was enqueued.
    expect(page.locator("#id_mode_0")).to_be_checked()
    page.locator("#apply-button").click()
    expect(page.locator("#apply-form .alert-danger")).to_contain_text("有 1 行错误")
    assert not worker.queued

    # The correct rows only: the progress of the writing, then the result.
    page.locator("#id_mode_1").check()
    page.locator("#apply-button").click()
    expect(page.locator("#progress-text")).to_contain_text("0 / 2")
    cache.set(progress_key(job.pk), 1)
    expect(page.locator("#progress-text")).to_contain_text("1 / 2")
    assert_no_horizontal_overflow(page)
    assert worker.run() == 1
    expect(page.locator("#job-state")).to_have_attribute("data-state", "applied", timeout=10_000)
    expect(page.locator("#applied")).to_contain_text("已写入 2 行")
    assert Resident.objects.count() == people + 1
    assert_no_horizontal_overflow(page)
    screenshot(page, f"imports-applied-{viewport}")

    # Undo, after the confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#undo-button").click()
    expect(page.locator("#job-state")).to_have_attribute("data-state", "undone")
    expect(page.locator("#final-state")).to_be_visible()
    assert Resident.objects.count() == people
    job.refresh_from_db()
    assert job.state == JobState.UNDONE

    # The list shows the import with its counts.
    pages.goto(page, reverse("imports:index"))
    expect(page.locator(".import-row:visible").filter(has_text=name)).to_have_count(1)
    assert_no_horizontal_overflow(page)
