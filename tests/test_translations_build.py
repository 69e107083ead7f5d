"""`manage.py compile_translations`: project .po files and third-party zh_CN catalogues re-filed as zh_Hans.

Django caches translation catalogues per process; `override_settings(LOCALE_PATHS=...)` clears that
cache on entry and exit (django.test.signals.language_changed), so each lookup below runs inside
its own override.
"""

from __future__ import annotations

import io
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

# Only django-filter has these (its catalogue is zh_CN only); they are English unless re-filed.
FILTER_ONLY = {
    "Multiple values may be separated by commas.": "多个值可以用逗号分隔。",
    "Yesterday": "昨日",
}
# django.contrib.admin (listed before django_filters) translates "Today" itself; it must keep winning.
SHARED_WITH_ADMIN = "Today"


def _zh(msgid: str, locale_paths: list[Path]) -> str:
    with override_settings(LOCALE_PATHS=locale_paths), translation.override("zh-hans"):
        return translation.gettext(msgid)


def _compile(locale_dir: Path, build_dir: Path) -> str:
    out = io.StringIO()
    call_command("compile_translations", locale_dir=locale_dir, build_dir=build_dir, stdout=out)
    return out.getvalue()


def test_default_build_dir_is_a_locale_path():
    assert Path(settings.BASE_DIR) / "build" / "locale" in [Path(p) for p in settings.LOCALE_PATHS]


def test_third_party_zh_cn_catalogue_is_refiled_as_zh_hans(tmp_path):
    locale_dir, build_dir = tmp_path / "locale", tmp_path / "build"
    locale_dir.mkdir()
    before = {msgid: _zh(msgid, [locale_dir]) for msgid in [*FILTER_ONLY, SHARED_WITH_ADMIN]}
    assert all(before[msgid] == msgid for msgid in FILTER_ONLY), "django-filter strings are already Chinese?"

    output = _compile(locale_dir, build_dir)

    assert (build_dir / "zh_Hans" / "LC_MESSAGES" / "django.mo").is_file()
    assert "django_filters" in output
    for msgid, chinese in FILTER_ONLY.items():
        assert _zh(msgid, [locale_dir, build_dir]) == chinese
    # Precedence is unchanged for strings an earlier app already translates.
    assert _zh(SHARED_WITH_ADMIN, [locale_dir, build_dir]) == before[SHARED_WITH_ADMIN] != SHARED_WITH_ADMIN


def _write_po(path: Path, entries: list[polib.POEntry]) -> None:
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
    po.extend(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))


def test_project_catalogue_compiles_without_fuzzy_entries(tmp_path):
    locale_dir, build_dir = tmp_path / "locale", tmp_path / "build"
    po_path = locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"
    _write_po(
        po_path,
        [
            polib.POEntry(msgid="gridgov-test: grid", msgstr="网格"),
            polib.POEntry(msgid="gridgov-test: draft", msgstr="草稿", flags=["fuzzy"]),
            polib.POEntry(
                msgid="gridgov-test: %(count)s case",
                msgid_plural="gridgov-test: %(count)s cases",
                msgstr_plural={0: "%(count)s 件"},
                flags=["python-format"],
            ),
        ],
    )

    output = _compile(locale_dir, build_dir)

    assert po_path.with_suffix(".mo").is_file()
    assert "1 compiled" in output
    assert _zh("gridgov-test: grid", [locale_dir]) == "网格"
    assert _zh("gridgov-test: draft", [locale_dir]) == "gridgov-test: draft"
    with override_settings(LOCALE_PATHS=[locale_dir]), translation.override("zh-hans"):
        text = translation.ngettext("gridgov-test: %(count)s case", "gridgov-test: %(count)s cases", 3)
    assert text % {"count": 3} == "3 件"

    mtime = po_path.with_suffix(".mo").stat().st_mtime_ns
    assert "0 compiled, 1 up to date" in _compile(locale_dir, build_dir)
    assert po_path.with_suffix(".mo").stat().st_mtime_ns == mtime


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [("gridgov-test: %(name)s", "%(nom)s"), ("gridgov-test: %s of %s", "%s")],
)
def test_placeholder_mismatch_is_an_error(tmp_path, msgid, msgstr):
    locale_dir = tmp_path / "locale"
    _write_po(
        locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po",
        [polib.POEntry(msgid=msgid, msgstr=msgstr, flags=["python-format"])],
    )
    with pytest.raises(CommandError, match="placeholder"):
        _compile(locale_dir, tmp_path / "build")
    assert not (locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()
