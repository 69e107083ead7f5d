"""The browser harness itself: it notices what it promises to notice, so a clean page test means something."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .harness import DESKTOP, assert_no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

LOGIN = reverse("accounts:login")


def test_a_console_error_fails_the_test(pages):
    page = pages.open(LOGIN, DESKTOP)
    page.evaluate("console.error('x')")
    with pytest.raises(AssertionError, match=r"console error: x$"):
        pages.assert_clean()
    page.evaluate("console.error('y')")
    assert [problem.rsplit(" ", 1)[-1] for problem in pages.take_problems()] == ["y"]


def test_an_uncaught_error_is_recorded(pages):
    page = pages.open(LOGIN, DESKTOP)
    # Thrown from a timer, outside Playwright's own call: the page's Content-Security-Policy refuses inline scripts.
    page.evaluate("setTimeout(() => { throw new Error('broken script'); })")
    problems = pages.take_problems()
    assert len(problems) == 1 and "uncaught error: broken script" in problems[0]


def test_a_missing_static_file_is_recorded(pages):
    page = pages.open(LOGIN, DESKTOP)
    page.evaluate(
        """() => new Promise((done) => {
            const script = document.createElement("script");
            script.src = "/static/gridgov/no-such-file.js";
            script.onload = script.onerror = done;
            document.head.append(script);
        })"""
    )
    problems = pages.take_problems()
    assert any("static file answered 404" in p and p.endswith("/static/gridgov/no-such-file.js") for p in problems)


def test_a_content_security_policy_report_is_recorded(pages):
    """Even a report-only violation, which chromium does not log as an error."""
    page = pages.new(DESKTOP)
    url = pages.url("/harness-csp/")
    page.route(
        url,
        lambda route: route.fulfill(
            content_type="text/html",
            headers={"Content-Security-Policy-Report-Only": "script-src 'none'"},
            body="<!doctype html><title>csp</title><script>document.title = 'ran'</script>",
        ),
    )
    page.goto(url)
    assert page.title() == "ran"
    problems = pages.take_problems()
    assert problems and all("Content Security Policy" in p for p in problems)


def test_vendor_libraries_load_from_node_modules(pages):
    vendor = []
    page = pages.new(DESKTOP)
    page.on("response", lambda r: vendor.append((r.url, r.status)) if "/static/vendor/" in r.url else None)
    pages.goto(page, LOGIN)
    assert page.evaluate("[typeof window.bootstrap, typeof window.htmx]") == ["object", "object"]
    packages = {url.split("/static/vendor/")[1].split("/")[0] for url, _ in vendor}
    assert packages == {"bootstrap", "bootstrap-icons", "htmx.org"}
    assert all(status == 200 for _, status in vendor)


def test_sideways_scrolling_is_caught(pages, viewport):
    page = pages.open(LOGIN, viewport)
    assert_no_horizontal_overflow(page)
    page.locator("main").evaluate(
        "main => main.insertAdjacentHTML('beforeend', '<div id=wide style=width:1500px>x</div>')"
    )
    with pytest.raises(AssertionError, match=r"div#wide"):
        assert_no_horizontal_overflow(page)
    path = screenshot(page, f"harness-overflow-{viewport}")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_a_script_the_policy_blocks_is_recorded(pages):
    """An inline script on one of our pages is refused by the Content-Security-Policy, and noticed."""
    page = pages.open(LOGIN, DESKTOP)
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.title = 'ran'";
            document.head.append(script);
        }"""
    )
    assert page.title() != "ran"
    problems = pages.take_problems()
    assert any("Content Security Policy violation (enforce): script-src-elem blocked inline" in p for p in problems)
