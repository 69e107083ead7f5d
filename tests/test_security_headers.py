"""What every answer carries and how it is served: the Content-Security-Policy, compression, the
favicon, the error pages, the admin's title, log lines, and the static files that get collected."""

from __future__ import annotations

import gzip
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory, override_settings
from django.urls import reverse

from config.content_policy import tile_sources
from config.vendor_finder import VendorFinder

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# An event-handler attribute (onclick=, onchange=, …) inside a tag.
INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def _template_files() -> list[Path]:
    roots = [TEMPLATES, *(Path(settings.BASE_DIR).glob("*/templates"))]
    return sorted(path for root in roots for path in root.rglob("*.html"))


# --- Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_policy_without_inline_scripts(client, users):
    for user in (None, users.community):
        if user is not None:
            client.force_login(user)
        response = client.get(reverse("accounts:login") if user is None else reverse("accounts:home"))
        assert response.status_code == 200
        policy = _directives(response)
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_api_answers_and_error_pages_carry_the_policy_too(client):
    assert "'unsafe-inline'" not in _directives(client.get("/no-such-page/"))["script-src"]
    assert "script-src" in _directives(client.post("/api/v1/auth/token/", {}))


def test_a_template_that_uses_the_nonce_gets_it_into_the_header():
    """An inline script is allowed only with the request's nonce, which the header then names."""
    from csp.middleware import CSPMiddleware

    template = engines["django"].from_string('<script nonce="{{ CSP_NONCE }}">let x = 1;</script>')

    def view(request):
        return HttpResponse(template.render({}, request))

    request = RequestFactory().get("/")
    response = CSPMiddleware(view)(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert len(nonce) >= 16
    assert f"'nonce-{nonce}'" in _directives(response)["script-src"]
    # A page that renders no nonce does not name one.
    plain = CSPMiddleware(lambda request: HttpResponse("<p>x</p>"))(RequestFactory().get("/"))
    assert not any(source.startswith("'nonce-") for source in _directives(plain)["script-src"])


def test_no_template_holds_inline_script_or_event_handlers():
    inline, handlers = [], []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            # json_script output is data, not code; a src or the nonce is allowed.
            if "src=" not in attributes and "CSP_NONCE" not in attributes and "application/json" not in attributes:
                inline.append(f"{path}: <script{attributes}>")
        handlers += [f"{path}: {m.group(0)[:80]}" for m in INLINE_HANDLER.finditer(text)]
    assert not inline, "inline scripts without the nonce:\n" + "\n".join(inline)
    assert not handlers, "inline event handlers:\n" + "\n".join(handlers)


def test_map_tiles_are_allowed_from_the_configured_host_only():
    assert tile_sources("") == []
    assert tile_sources("https://{s}.tile.example.org/{z}/{x}/{y}.png") == ["https://*.tile.example.org"]
    assert tile_sources("https://tiles.example.cn:8443/{z}/{x}/{y}.png") == ["https://tiles.example.cn:8443"]


# --- compression, favicon, error pages, admin -------------------------------------------------


@pytest.mark.django_db
def test_html_is_served_compressed(client, users):
    client.force_login(users.community)
    url = reverse("grids:resident_list")
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "</html>" in html
    assert len(packed.content) * 3 < len(plain.content), (len(packed.content), len(plain.content))


def test_only_answers_that_compress_are_compressed():
    from config.compression import TextGZipMiddleware

    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    body = "编号,标题\n".encode() * 500
    for content_type, packed in [
        ("text/csv; charset=utf-8", True),
        ("application/json", True),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
        ("image/jpeg", False),
    ]:
        response = TextGZipMiddleware(lambda request, t=content_type: HttpResponse(body, content_type=t))(request)
        assert (response.get("Content-Encoding") == "gzip") is packed, content_type


@pytest.mark.django_db
def test_favicon(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', page)
    assert finders.find("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"


@pytest.mark.django_db
def test_error_pages_have_the_viewport_meta_tag(client, users):
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">'
    missing = client.get("/territory/no-such-page/")
    assert missing.status_code == 404
    assert viewport in missing.content.decode()
    client.force_login(users.official)
    refused = client.get(reverse("grids:resident_create"))
    assert refused.status_code == 403
    assert viewport in refused.content.decode()
    assert viewport in (TEMPLATES / "500.html").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_refusals_share_one_page_with_a_way_back(client, users, territory):
    from cases.reference_data import load_case_reference
    from tests.case_factories import build_case_world, file_case

    load_case_reference()
    case = file_case(build_case_world(territory, users))
    client.force_login(users.official)  # sees the case, may not act on it
    refused = client.post(reverse("cases:act", args=[case.pk, "accept"]), {"version": case.version})
    assert refused.status_code == 403
    assert [t.name for t in refused.templates][0] == "403.html"
    page = refused.content.decode()
    reason = re.search(r'class="lead forbidden-message">(.*?)</p>', page).group(1)
    assert re.search(r"[\u4e00-\u9fff]", reason), reason  # the service's reason, in Chinese
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in page
    plain = client.get(reverse("grids:resident_create"))
    assert [t.name for t in plain.templates][0] == "403.html"
    assert f'href="{reverse("accounts:home")}"' in plain.content.decode()


@pytest.mark.django_db
def test_admin_is_titled_with_the_product_name(client, users):
    client.force_login(users.admin)
    for url in ("/admin/", "/admin/accounts/user/"):
        page = client.get(url).content.decode()
        assert "网格化治理平台" in page
        assert "Django" not in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert "Django 管理" not in page


# --- logging ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_request_is_logged_as_one_line(client, users, caplog):
    client.force_login(users.official)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("grids:resident_create")).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage() == "Forbidden (Permission denied): /territory/residents/new/"
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text and caplog.text.strip().count("\n") == 0


def test_each_log_line_is_printed_once():
    """With DEBUG on (the local settings), Django's own handler used to print beside the root's."""
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /probe-once/'); "
        "logging.getLogger('grids').warning('probe from an app')"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stderr.count("Not Found: /probe-once/") == 1, result.stderr
    assert result.stderr.count("probe from an app") == 1, result.stderr


# --- collected static files -------------------------------------------------------------------


def test_every_vendor_file_a_template_names_is_listed():
    named = set()
    for path in _template_files():
        named |= set(re.findall(r"""static ['"]vendor/([^'"]+)['"]""", path.read_text(encoding="utf-8")))
    assert named, "the templates name no vendor file at all?"
    assert named <= set(settings.VENDOR_FILES), named - set(settings.VENDOR_FILES)
    # The files those stylesheets load in turn (icon fonts, Leaflet's images) are listed as well.
    vendor = Path(settings.VENDOR_DIR)
    for name in [n for n in settings.VENDOR_FILES if n.endswith(".css")]:
        css = (vendor / name).read_text(encoding="utf-8")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css):
            if url.startswith(("data:", "#")):
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(name), url.split("?")[0].split("#")[0]))
            assert target in settings.VENDOR_FILES, f"{name} loads {url}"
    assert not VendorFinder().check()


def test_a_vendor_file_not_listed_is_not_served():
    assert finders.find("vendor/leaflet/dist/leaflet.js")
    assert finders.find("vendor/leaflet/dist/leaflet-src.js") is None
    assert finders.find("vendor/bootstrap/package.json") is None


def test_collectstatic_copies_only_what_the_pages_use(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    vendor = sorted(
        str(path.relative_to(tmp_path / "vendor")) for path in (tmp_path / "vendor").rglob("*") if path.is_file()
    )
    assert vendor == sorted(settings.VENDOR_FILES)
    # Django's admin, the API docs and our own files included: a few hundred files, well under 30 MB
    # (node_modules alone made 4,551 files and 265 MB).
    assert len(files) < 400, len(files)
    assert size < 30 * 1024 * 1024, size
