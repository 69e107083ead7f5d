"""Fixtures of the real-browser tests: Debian's chromium driven by Playwright against a live server.

- `browser_data` (module scope) opens the database to the module while it runs. A module builds
  its rows once, in its own module fixture that depends on `browser_data`; they are committed, so
  the live server's threads see them, and the database is flushed when the module ends, as after
  a transactional test. Browser tests must not ask for `db`, `transactional_db` or `live_server`,
  which would roll back or flush those rows after the first test (collection stops if they do).
- `browser_server` is pytest-django's live server with static files served by the finders, so
  /static/vendor/ comes from node_modules as under runserver.
- `pages` opens pages (see `harness.Pages`); the test fails when any page logged an error.
- `viewport` runs a test on a phone (390×844) and on a desktop (1366×768).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management import call_command

from .harness import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, Pages, Viewport

FORBIDDEN_FIXTURES = ("db", "transactional_db", "live_server")

# The default database's name before pytest-django may switch it to the test database.
_DATABASE_NAME_AT_COLLECTION = settings.DATABASES["default"]["NAME"]


def pytest_collection_modifyitems(config, items):
    """Skip browser tests when there is no chromium; stop on fixtures that would wipe a module's rows."""
    no_chromium = None
    if not CHROMIUM.exists():
        no_chromium = pytest.mark.skip(
            reason=f"browser tests need Debian's chromium at {CHROMIUM} "
            "(apt-get install chromium fonts-wqy-zenhei; .ci/run installs it)"
        )
    for item in items:
        if "browser" not in item.keywords:
            continue
        if no_chromium is not None:
            item.add_marker(no_chromium)
        clashing = [name for name in FORBIDDEN_FIXTURES if name in getattr(item, "fixturenames", ())]
        if clashing:
            raise pytest.UsageError(
                f"{item.nodeid} asks for {', '.join(clashing)}: browser tests share their module's rows through "
                "`browser_data`, which those fixtures would roll back or flush after every test"
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself, not only its teardown, when its pages reported problems."""
    result = yield
    opened = item.funcargs.get("pages")
    if isinstance(opened, Pages):
        opened.assert_clean()
    return result


# --- database and live server ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_database(request, django_db_setup, django_db_blocker) -> Iterator[None]:
    """The test database, even when no other collected test made pytest-django create one.

    pytest-django creates it only for tests that ask for `db` and the like, which browser tests
    do not; `pytest -m browser` alone would otherwise run against the database named in settings.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] != _DATABASE_NAME_AT_COLLECTION:
        yield  # already switched to the test database
        return
    keepdb = bool(request.config.getvalue("reuse_db")) and not request.config.getvalue("create_db")
    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases={"default"}, keepdb=keepdb)
    assert connection.settings_dict["NAME"] != _DATABASE_NAME_AT_COLLECTION
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture(scope="session")
def browser_server(browser_database):
    """A live server on 127.0.0.1 for pages and /static/ (node_modules under /static/vendor/)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser_data(browser_database, django_db_blocker) -> Iterator[None]:
    """Database access for the whole module; everything written is flushed when the module ends.

    One transactional test stretched over the module: rows are committed (the live server's
    threads read them through their own connections) and then removed with `flush`, as Django's
    TransactionTestCase does after each test.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        yield
        call_command("flush", verbosity=0, interactive=False)
        for connection in connections.all(initialized_only=True):
            connection.close()


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One headless chromium for all the browser tests, closed after the last of them.

    Playwright's synchronous API parks its asyncio loop in this thread while the browser lives,
    so Django's "async context" guard would refuse every query the tests make; no coroutine ever
    runs beside them, so the guard is switched off for that time only. Package scope (rather than
    session scope) ends both the loop and the switch before the tests outside tests/browser run.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def _login_states() -> dict[str, dict]:
    """Cookies of the users who logged in during this module, so each one fills the form only once."""
    return {}


@pytest.fixture
def pages(browser, browser_server, browser_data, _login_states) -> Iterator[Pages]:
    """Opens pages for the test; it fails if any of them logged an error (checked when its body ends)."""
    browser_server._live_server_modified_settings.enable()  # allows the server's host, as pytest-django does
    opened = Pages(browser=browser, base_url=browser_server.url, login_states=_login_states)
    try:
        yield opened
        opened.assert_clean()  # what arrived after the check at the end of the test body
    finally:
        opened.close()
        browser_server._live_server_modified_settings.disable()


@pytest.fixture(params=VIEWPORTS, ids=str)
def viewport(request) -> Viewport:
    """Runs the test once on a phone and once on a desktop."""
    return request.param
