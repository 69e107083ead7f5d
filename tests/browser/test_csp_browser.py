"""Pages beyond the main ones keep to the Content-Security-Policy in a real browser.

The harness fails a test on any violation (enforced or report-only) and any console error, so
opening a page and letting it settle is the whole check; interactions that used to run inline
code (the language choice, a confirmation, the case filing form) are exercised too.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from cases.reference_data import load_case_reference
from tests.case_factories import build_case_world, file_case
from tests.factories import build_named_users, build_territory

from .harness import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(browser_data) -> SimpleNamespace:
    t = build_territory()
    u = build_named_users(t)
    load_case_reference()
    w = build_case_world(t, u)
    case = file_case(w)
    return SimpleNamespace(t=t, u=u, w=w, case=case)


ADMIN_PAGES = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/accounts/user/add/",
    "/admin/grids/resident/",
    "/admin/grids/resident/export/",
    "/api/docs/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_and_api_pages_keep_to_the_policy(pages, world, path):
    page = pages.open(path, DESKTOP, user=world.u.admin)
    page.wait_for_load_state("load")
    if path == "/api/docs/":
        page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)  # its start-up script ran
    toggle = page.locator("input.select-toggle")
    if path.endswith("/export/") and toggle.count():
        # django-import-export's "select all" runs from an inline handler the policy allows by its hash.
        toggle.first.uncheck()
        assert not page.locator(".selectable-field-export-row input[type=checkbox]:checked").count()


def test_admin_login_page_keeps_to_the_policy(pages):
    page = pages.open("/admin/login/", DESKTOP)
    page.wait_for_load_state("load")


@pytest.mark.parametrize(
    ("username", "name"),
    [("grid_a1", "cases:file"), ("grid_a1", "cases:patrol_new"), ("community", "cases:board")],
)
def test_field_and_desk_pages_keep_to_the_policy(pages, world, username, name):
    page = pages.open(reverse(name), PHONE, user=getattr(world.u, username))
    page.wait_for_load_state("load")


def test_the_print_page_keeps_to_the_policy(pages, world):
    page = pages.open(reverse("cases:print", args=[world.case.pk]), DESKTOP, user=world.u.community)
    page.wait_for_load_state("load")


def test_choosing_a_language_in_the_footer_switches_it(pages):
    """The choice submits itself (from a static script now, not an inline handler)."""
    page = pages.open(reverse("accounts:login"), DESKTOP)
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("footer select[name=language]", "en")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_a_button_with_data_confirm_asks_first(pages):
    page = pages.open(reverse("accounts:login"), DESKTOP)
    page.evaluate("""() => document.querySelector("form button[type=submit]").dataset.confirm = "Sure?" """)
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "x")
    page.click("form button[type=submit]")
    assert asked == ["Sure?"]
    assert page.url.endswith(reverse("accounts:login"))
    assert not page.locator(".alert-danger").count()  # the form was not sent
