"""The OpenAPI schema and its Swagger UI: served, valid, and usable without the internet."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db

_URL_RE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
# an absolute URL, or a protocol-relative one inside quotes or url(...)
_ABSOLUTE_RE = re.compile(r"""https?://|["'(]//""")


def test_schema_is_served_and_lists_the_api(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/regions/{code}/",
        "/api/v1/estates/",
        "/api/v1/buildings/",
        "/api/v1/units/",
        "/api/v1/households/{id}/",
        "/api/v1/residents/",
        "/api/v1/residents/{id}/",
        "/api/v1/residents/{id}/reveal/",
        "/api/v1/auth/token/",
        "/api/v1/me/",
    ):
        assert path in paths
    resident = schema["components"]["schemas"]["Resident"]["properties"]
    assert "masked" in resident["id_number"]["description"].lower()
    assert "warnings" in schema["components"]["schemas"]["ResidentSaved"]["properties"]


def test_swagger_ui_uses_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # nothing is fetched from another host: no absolute or protocol-relative URL at all
    assert _ABSOLUTE_RE.findall(html) == []
    assets = _URL_RE.findall(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets)
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert parts.path.startswith("/static/"), url
        # and the file is really shipped with the installation
        assert finders.find(parts.path.removeprefix("/static/")), url


def test_schema_generates_without_warnings(tmp_path):
    # The same check as `manage.py spectacular --validate --fail-on-warn`: it raises on any warning.
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/residents/{id}/reveal/" in target.read_text()
