"""Project-wide pytest setup: PostgreSQL-only tests, the named users and a small territory."""

from __future__ import annotations

import pytest
from django.db import connection


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if engine == "postgresql":
        return "database: PostgreSQL (nothing skipped)"
    return f"database: {engine}; tests marked 'postgres' are skipped (set DATABASE_URL to a PostgreSQL database)"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgresql://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def territory(db):
    from tests.factories import build_territory

    return build_territory()


@pytest.fixture
def users(territory):
    from tests.factories import build_named_users

    return build_named_users(territory)


@pytest.fixture
def case_reference(db):
    """Categories, time limits and the 2025–2026 calendar, as `load_case_reference` installs them."""
    from cases.reference_data import load_case_reference

    load_case_reference()


@pytest.fixture
def case_world(territory, users, case_reference):
    """The named territory and users, plus a community worker and street staff and a department."""
    from tests.case_factories import build_case_world

    return build_case_world(territory, users)


@pytest.fixture
def party_world(territory, users):
    """The named territory and users with a community Party chain in community A (and one in B)."""
    from tests.party_factories import build_party_world

    return build_party_world(territory, users)


@pytest.fixture
def in_english(settings):
    """Pages and services in English, for tests that match the English wording of a message."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def broker():
    """A Celery client on Redis with a queue of this test's own (tests/test_case_reliability.py)."""
    from tests.test_case_reliability import Broker

    broker = Broker()
    yield broker
    broker.close()


@pytest.fixture
def workers(broker):
    """Starts real `celery worker` processes on the test's queue; stopped before the database is flushed."""
    from tests.test_case_reliability import Worker

    started = []

    def start(name: str, *, wait: bool = True):
        worker = Worker(broker, name)
        started.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    yield start
    for worker in started:  # before the test database is flushed: no connection may hold a lock
        worker.stop()
