"""What browser tests use besides the fixtures: viewports, the page opener, login and layout checks."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Response

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags chromium keeps calling Google services, which floods a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Chromium logs an enforced violation to the console but a report-only one nowhere; the page's own
# `securitypolicyviolation` event sees both, and hands each to the harness through a binding.
CSP_VIOLATION_BINDING = "__gridgovCspViolation"
CSP_VIOLATION_LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  const where = event.sourceFile ? ` at ${{event.sourceFile}}:${{event.lineNumber}}` : "";
  window.{CSP_VIOLATION_BINDING}(
    `Content Security Policy violation (${{event.disposition}}): ${{event.effectiveDirective}} `
    + `blocked ${{event.blockedURI || "inline code"}}${{where}}`
  );
}});
"""


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    mobile: bool

    def __str__(self) -> str:
        return self.name


PHONE = Viewport("phone", 390, 844, mobile=True)
DESKTOP = Viewport("desktop", 1366, 768, mobile=False)
VIEWPORTS = [PHONE, DESKTOP]


@dataclass
class Pages:
    """Opens pages for one test and keeps what went wrong in them.

    Recorded: console messages of type error, uncaught page errors, same-origin static files that
    failed or answered 4xx/5xx, any console message about the Content Security Policy, and every
    `securitypolicyviolation` event (enforced or report-only) in any frame.
    """

    browser: Browser
    base_url: str
    login_states: dict[str, dict]
    problems: list[str] = field(default_factory=list)
    _contexts: list[BrowserContext] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def new(self, viewport: Viewport, *, user=None, locale: str = "zh-CN") -> Page:
        """A blank page at the viewport in a fresh browser context, logged in as `user` if given."""
        state = self.login_states.get(user.username) if user is not None else None
        context = self.browser.new_context(
            viewport={"width": viewport.width, "height": viewport.height},
            is_mobile=viewport.mobile,
            has_touch=viewport.mobile,
            locale=locale,
            timezone_id="Asia/Shanghai",
            storage_state=state,
        )
        context.set_default_timeout(10_000)
        context.expose_binding(CSP_VIOLATION_BINDING, self._on_csp_violation)
        context.add_init_script(CSP_VIOLATION_LISTENER)
        context.on("page", lambda page: self._watch(page, viewport))  # popups too
        self._contexts.append(context)
        page = context.new_page()
        if user is not None and state is None:
            login(self, page, user)
            self.login_states[user.username] = context.storage_state()
        return page

    def open(self, path: str, viewport: Viewport, *, user=None, locale: str = "zh-CN") -> Page:
        """A page at the viewport showing `path`, logged in as `user` if given; the answer must be a success."""
        page = self.new(viewport, user=user, locale=locale)
        self.goto(page, path)
        return page

    def goto(self, page: Page, path: str) -> Response:
        response = page.goto(self.url(path))
        assert response is not None, f"GET {path} got no answer"
        assert response.ok, f"GET {path} answered {response.status}"
        return response

    def take_problems(self) -> list[str]:
        """What the pages reported so far (and forget it), including events already on their way."""
        for context in self._contexts:
            for page in context.pages:
                # The round trip delivers the events the page sent before it; unlike `evaluate` it gives
                # up on a page that hangs. A page that is closing or navigating fails it, but its events
                # have arrived all the same.
                with contextlib.suppress(PlaywrightError):
                    page.wait_for_function("true", timeout=5_000)
        problems, self.problems = self.problems, []
        return problems

    def assert_clean(self) -> None:
        problems = self.take_problems()
        assert not problems, "the browser reported problems:\n" + "\n".join(problems)

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    def _on_csp_violation(self, source, report: str) -> None:
        page = source["page"]
        self.problems.append(f"[{page.viewport_size['width']} px] {source['frame'].url} {report}")

    def _watch(self, page: Page, viewport: Viewport) -> None:
        static_prefix = self.url(settings.STATIC_URL)

        def where() -> str:
            return f"[{viewport}] {page.url}"

        def on_console(message) -> None:
            text = message.text
            if message.type == "error" or "Content Security Policy" in text or "Refused to" in text:
                self.problems.append(f"{where()} console {message.type}: {text}")

        def on_page_error(error) -> None:
            self.problems.append(f"{where()} uncaught error: {error}")

        def on_request_failed(request) -> None:
            # A load the page itself abandoned (it navigated away) is not a missing file.
            if request.url.startswith(static_prefix) and request.failure != "net::ERR_ABORTED":
                self.problems.append(f"{where()} static file failed: {request.url} ({request.failure})")

        def on_response(response) -> None:
            if response.url.startswith(static_prefix) and response.status >= 400:
                self.problems.append(f"{where()} static file answered {response.status}: {response.url}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        page.on("requestfailed", on_request_failed)
        page.on("response", on_response)


def login(pages: Pages, page: Page, user, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would, and land on the home page."""
    form = pages.url(reverse("accounts:login"))
    pages.goto(page, reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_response(lambda r: r.url == form and r.request.method == "POST") as answer:
        page.click("form button[type=submit]")
    if answer.value.status != 302:
        page.wait_for_load_state()
        errors = page.locator(".alert-danger, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"logging in as {user.username} failed ({answer.value.status}): {errors}")
    page.wait_for_url(pages.url(reverse("accounts:home")))


def assert_no_horizontal_overflow(page: Page) -> None:
    """Nothing on the page is wider than the window, so there is no sideways scrolling.

    `document.documentElement.scrollWidth <= window.innerWidth`; on a phone chromium zooms a
    too-wide page out until it fits, which widens `innerWidth` to the page, so the viewport's own
    width is the limit when it is smaller.
    """
    limit = min(page.evaluate("window.innerWidth"), page.viewport_size["width"])
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= limit:
        return
    # Name the outermost elements that stick out, for the failure message.
    culprits = page.evaluate(
        """(limit) => {
            const sticksOut = (el) => el && el.getBoundingClientRect().right > limit + 1;
            const describe = (el) => {
                const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
                const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                    + classes.filter(Boolean).map((c) => "." + c).join("");
                return `${name} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`;
            };
            return [...document.querySelectorAll("body *")]
                .filter((el) => sticksOut(el) && !sticksOut(el.parentElement))
                .slice(0, 5)
                .map(describe);
        }""",
        limit,
    )
    raise AssertionError(f"{page.url} is {width} px wide in a {limit} px window; sticking out: {', '.join(culprits)}")


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as var/screenshots/<name>.png for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_chinese(text: str) -> None:
    """The text contains Chinese characters (the interface did not fall back to English)."""
    assert CJK.search(text), f"expected Chinese, got {text!r}"
