"""Settings come from environment variables; a bad value must stop start-up with a clear message."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_database, env_int, env_list, env_redis_url, env_str


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("off", False), ("", False)]
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    assert env_bool("DJANGO_DEBUG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    assert env_bool("DJANGO_DEBUG", True) is True


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_DEBUG='maybe' is not a boolean: use one of 1/0"):
        env_bool("DJANGO_DEBUG", False)


def test_env_int(monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "7")
    assert env_int("LOGIN_MAX_FAILURES", 5, minimum=1) == 7
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "")
    assert env_int("LOGIN_MAX_FAILURES", 5, minimum=1) == 5
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "five")
    with pytest.raises(ImproperlyConfigured, match="LOGIN_MAX_FAILURES='five' is not a whole number"):
        env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "0")
    with pytest.raises(ImproperlyConfigured, match="must be at least 1"):
        env_int("LOGIN_MAX_FAILURES", 5, minimum=1)


def test_env_str_and_env_list(monkeypatch):
    monkeypatch.setenv("DJANGO_LOG_LEVEL", " DEBUG ")
    assert env_str("DJANGO_LOG_LEVEL", "INFO") == "DEBUG"
    monkeypatch.delenv("DJANGO_LOG_LEVEL")
    assert env_str("DJANGO_LOG_LEVEL", "INFO") == "INFO"
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "example.org, www.example.org,,")
    assert env_list("DJANGO_ALLOWED_HOSTS", ["localhost"]) == ["example.org", "www.example.org"]


def test_database_url_defaults_to_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env_database("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    assert "pool" not in config.get("OPTIONS", {})


@pytest.mark.parametrize("url", ["mysql://root@localhost/gridgov", "redis://localhost:6379/0", "gridgov"])
def test_database_url_rejects_other_schemes(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="unsupported scheme .*use sqlite:///path or postgresql://"):
        env_database("DATABASE_URL", "sqlite:///unused.sqlite3")


def test_database_url_postgres_uses_djangos_pool(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://grid:s3cret@db.internal:6432/gridgov")
    monkeypatch.setenv("DB_POOL_MAX", "7")
    config = env_database("DATABASE_URL", "sqlite:///unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("gridgov", "grid", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 6432)
    assert config["CONN_MAX_AGE"] == 0  # persistent connections and the pool exclude each other
    assert config["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 7}


def test_database_url_postgres_needs_a_database_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        env_database("DATABASE_URL", "sqlite:///unused.sqlite3")


def test_db_pool_max_must_be_positive(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1/gridgov")
    monkeypatch.setenv("DB_POOL_MAX", "0")
    with pytest.raises(ImproperlyConfigured, match="DB_POOL_MAX='0' must be at least 1"):
        env_database("DATABASE_URL", "sqlite:///unused.sqlite3")


def test_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert env_redis_url("REDIS_URL") is None
    monkeypatch.setenv("REDIS_URL", "  ")
    assert env_redis_url("REDIS_URL") is None
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert env_redis_url("REDIS_URL") == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379/0")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL='http://127.0.0.1:6379/0' must start with redis://"):
        env_redis_url("REDIS_URL")


# Start-up in a fresh interpreter: settings are read once per process.

_CONFIG_VARS = {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"}


def _start(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "secret",
    [None, "", "too-short", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"],
    ids=["unset", "empty", "short", "dev-key"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {} if secret is None else {"DJANGO_SECRET_KEY": secret}
    result = _start("config.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _start("config.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(48))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_refuses_debug():
    result = _start("config.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(48), DJANGO_DEBUG="1")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must not be on in production" in result.stderr


def test_bad_value_stops_start_up():
    result = _start("config.settings.local", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr
