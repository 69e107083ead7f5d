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
        if parts.path == "/api/docs/":
            continue  # the page's own start-up script, served by the page itself
        assert parts.path.startswith("/static/"), url
        # and the file is really shipped with the installation
        assert finders.find(parts.path.removeprefix("/static/")), url


def test_schema_generates_without_warnings(tmp_path):
    # The same check as `manage.py spectacular --validate --fail-on-warn`: it raises on any warning.
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/residents/{id}/reveal/" in target.read_text()


def _api_paths() -> list[str]:
    """One concrete path per route under /api/v1/, every path parameter filled in with 11."""
    from django.urls import URLPattern, URLResolver

    from config import api_urls

    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            text = str(pattern.pattern).lstrip("^").rstrip("$")
            text = re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>", "11", text).replace("\\", "")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + text)
            elif isinstance(pattern, URLPattern):
                found.append(prefix + text)

    walk(api_urls.urlpatterns, "/api/v1/")
    return sorted(set(found))


def test_no_api_route_has_a_format_suffix_twin(client, users):
    # Format suffixes are off everywhere: `<route>.json` is 404 for every route (it used to be a
    # 500 on about 40 of them), while the route itself exists.
    from django.urls import resolve

    paths = _api_paths()
    assert "/api/v1/cases/11/accept/" in paths and "/api/v1/steward-coverage/" in paths
    client.force_login(users.admin)
    for path in paths:
        resolve(path)  # the walk builds real routes
        twin = path.rstrip("/") + ".json"
        for method in (client.get, client.post):
            response = method(twin)
            assert response.status_code == 404, (method.__name__, twin, response.status_code)


def _schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


def test_fields_that_can_be_null_are_marked_nullable(client):
    schemas = _schema(client)["components"]["schemas"]
    assert schemas["CoBuildingUnit"]["properties"]["joint_committee_name"]["nullable"] is True
    assert schemas["ListItem"]["properties"]["unit_name"]["nullable"] is True
    assert schemas["CaseCreateRequest"]["properties"]["latitude"] == {
        "type": "number", "minimum": -90, "maximum": 90, "nullable": True,
    }  # fmt: skip


def test_every_operation_documents_its_error_answers(client):
    schema = _schema(client)
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 100
    for path, method, operation in operations:
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        if path != "/api/v1/auth/token/":
            assert "401" in responses, where
        if "{" in path:
            assert "404" in responses, where
        if method != "get" and path != "/api/v1/auth/token/":
            assert "403" in responses, where
        if "requestBody" in operation:
            assert "400" in responses, where
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["description"], (where, code)
                assert "application/json" in response["content"], (where, code)
    accept = schema["paths"]["/api/v1/cases/{id}/accept/"]["post"]["responses"]
    assert accept["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Conflict"}
    assert accept["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ValidationErrors"}
    assert accept["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
