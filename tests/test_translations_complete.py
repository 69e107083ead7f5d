"""The Simplified Chinese catalogue is complete: nothing untranslated, nothing fuzzy, no lost placeholders.

These tests read ``locale/zh_Hans/LC_MESSAGES/django.po`` only (no compiled .mo, no database). Refresh the
catalogue with ``manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=build
--no-location`` and translate whatever these tests list.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest

PO_PATH = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# %(name)s / %(name)d (and the other printf conversions), bare %s / %d, and {name} / {0} / {}.
_NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcu]")
_POSITIONAL = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcu]")
_BRACED = re.compile(r"\{(\w*)\}")


def _placeholders(text: str) -> tuple[set[str], Counter, set[str]]:
    """Named printf placeholders, the count of each positional one, and brace placeholders."""
    text = text.replace("%%", "")
    named = set(_NAMED.findall(text))
    positional = Counter(_POSITIONAL.findall(_NAMED.sub("", text)))
    braced = {f"{{{name}}}" for name in _BRACED.findall(text)}
    return named, positional, braced


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[key] for key in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _label(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} (line {entry.linenum})"


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing: run makemessages -l zh_Hans"
    return polib.pofile(str(PO_PATH))


def _live(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def test_catalogue_is_simplified_chinese(catalogue):
    assert catalogue.metadata.get("Language") == "zh_Hans"
    assert "nplurals=1" in catalogue.metadata.get("Plural-Forms", "").replace(" ", "")
    assert _live(catalogue), "the zh_Hans catalogue has no messages"


def test_no_untranslated_entries(catalogue):
    untranslated = [
        _label(entry) for entry in _live(catalogue) if not all(text.strip() for text in _translations(entry))
    ]
    assert not untranslated, f"{len(untranslated)} untranslated message(s) in {PO_PATH.name}:\n" + "\n".join(
        untranslated
    )


def test_no_fuzzy_entries(catalogue):
    fuzzy = [_label(entry) for entry in _live(catalogue) if "fuzzy" in entry.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy message(s) in {PO_PATH.name} (check them, then drop the flag):\n" + (
        "\n".join(fuzzy)
    )


def test_placeholders_are_kept(catalogue):
    problems = []
    for entry in _live(catalogue):
        named, positional, braced = _placeholders(entry.msgid)
        if entry.msgid_plural:
            # Chinese has one plural form: msgstr[0] serves every count, so it needs both forms' placeholders.
            plural_named, plural_positional, plural_braced = _placeholders(entry.msgid_plural)
            named |= plural_named
            positional |= plural_positional
            braced |= plural_braced
        for text in _translations(entry):
            if not text:
                continue  # reported by test_no_untranslated_entries
            got_named, got_positional, got_braced = _placeholders(text)
            if named - got_named:
                problems.append(f"{_label(entry)}: missing {sorted(named - got_named)} in {text!r}")
            if got_named - named:
                problems.append(f"{_label(entry)}: unknown {sorted(got_named - named)} in {text!r}")
            if got_positional != positional:
                problems.append(
                    f"{_label(entry)}: positional {dict(positional)} in the msgid, {dict(got_positional)} in {text!r}"
                )
            if braced - got_braced:
                problems.append(f"{_label(entry)}: missing {sorted(braced - got_braced)} in {text!r}")
    assert not problems, f"{len(problems)} placeholder problem(s) in {PO_PATH.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%(name)s has %(count)d", ({"name", "count"}, Counter(), set())),
        ("%s of %d, 100%%", (set(), Counter({"%s": 1, "%d": 1}), set())),
        ("{name} and {0}", (set(), Counter(), {"{name}", "{0}"})),
    ],
)
def test_placeholder_pattern(text, expected):
    assert _placeholders(text) == expected
