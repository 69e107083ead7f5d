"""Compile translation catalogues with polib (GNU gettext's msgfmt is not needed).

Two jobs:

1. Every ``locale/<lang>/LC_MESSAGES/*.po`` of the project becomes a ``.mo`` beside it. Like msgfmt,
   fuzzy and obsolete entries are left out; a translation that uses a ``%(name)s`` placeholder
   its msgid lacks, or a different number of positional placeholders, is an error (it would crash
   at run time).
2. Installed apps that ship a ``zh_CN`` catalogue but no ``zh_Hans`` one (django-filter) are merged
   into ``build/locale/zh_Hans/LC_MESSAGES/<domain>.mo``. Django looks ``zh-hans`` up as
   ``zh_Hans`` only, so without this their strings stay English. ``build/locale`` is in
   ``LOCALE_PATHS``, which outranks every app, so a msgid already translated by the ``zh_Hans``
   catalogue of an app listed earlier in ``INSTALLED_APPS`` is left out: the usual precedence
   (the earlier app wins) is kept.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TARGET_LOCALE = "zh_Hans"
TARGET_ALIASES = ("zh_Hans", "zh_hans")
SOURCE_LOCALE = "zh_CN"

_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)

Key = tuple[str | None, str]


def _placeholders(text: str) -> tuple[set[str], int]:
    """Named placeholders and the count of positional ones in a printf-style string."""
    names: set[str] = set()
    positional = 0
    for match in _PLACEHOLDER.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"] is not None:
            names.add(match["name"])
        else:
            positional += 1
    return names, positional


def _format_errors(po: polib.POFile, path: Path) -> list[str]:
    errors = []
    for entry in po.translated_entries():
        if "python-format" not in entry.flags:
            continue
        source_names, source_positional = _placeholders(entry.msgid)
        if entry.msgid_plural:
            plural_names, plural_positional = _placeholders(entry.msgid_plural)
            source_names |= plural_names
            translations = list(entry.msgstr_plural.values())
        else:
            translations = [entry.msgstr]
        for text in translations:
            names, positional = _placeholders(text)
            if names - source_names:
                errors.append(f"{path}:{entry.linenum}: unknown placeholder(s) {sorted(names - source_names)}")
            if not entry.msgid_plural and positional != source_positional:
                errors.append(
                    f"{path}:{entry.linenum}: {positional} positional placeholder(s), msgid has {source_positional}"
                )
    return errors


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def _load_catalogue(path: Path) -> polib.POFile | polib.MOFile:
    return polib.pofile(str(path)) if path.suffix == ".po" else polib.mofile(str(path))


def _catalogue_files(messages_dir: Path) -> dict[str, Path]:
    """One file per domain, the .po preferred over the .mo."""
    files: dict[str, Path] = {}
    for path in sorted(messages_dir.glob("*.mo")) + sorted(messages_dir.glob("*.po")):
        files[path.stem] = path
    return files


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or None, entry.msgid)


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo and re-file third-party zh_CN catalogues as zh_Hans."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--locale-dir", type=Path, default=None, help="the project's catalogues (default: BASE_DIR/locale)"
        )
        parser.add_argument(
            "--build-dir",
            type=Path,
            default=None,
            help="where the merged catalogues go (default: BASE_DIR/build/locale)",
        )

    def handle(self, *args, locale_dir: Path | None, build_dir: Path | None, **options):
        base_dir = Path(settings.BASE_DIR)
        locale_dir = locale_dir or base_dir / "locale"
        build_dir = build_dir or base_dir / "build" / "locale"
        self.compile_project(locale_dir)
        self.build_third_party(build_dir)

    def compile_project(self, locale_dir: Path) -> None:
        errors: list[str] = []
        compiled = unchanged = 0
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
            try:
                po = polib.pofile(str(po_path))
            except (OSError, ValueError) as exc:
                errors.append(f"{po_path}: {exc}")
                continue
            file_errors = _format_errors(po, po_path)
            if file_errors:
                errors.extend(file_errors)
                continue
            if _write_if_changed(po_path.with_suffix(".mo"), po.to_binary()):
                compiled += 1
                self.stdout.write(
                    f"compiled {po_path.relative_to(locale_dir)} ({len(po.translated_entries())} messages)"
                )
            else:
                unchanged += 1
        if errors:
            raise CommandError("translation catalogues have errors:\n" + "\n".join(errors))
        self.stdout.write(f"project catalogues in {locale_dir}: {compiled} compiled, {unchanged} up to date")

    def build_third_party(self, build_dir: Path) -> None:
        out_dir = build_dir / TARGET_LOCALE / "LC_MESSAGES"
        translated_earlier: dict[str, set[Key]] = {}  # domain -> keys translated by earlier apps' zh_Hans
        merged: dict[str, polib.POFile] = {}
        sources: dict[str, list[str]] = {}
        for app_config in apps.get_app_configs():
            app_locale = Path(app_config.path) / "locale"
            target_dirs = [app_locale / alias / "LC_MESSAGES" for alias in TARGET_ALIASES]
            existing = [d for d in target_dirs if d.is_dir()]
            if existing:
                for messages_dir in existing:
                    for domain, path in _catalogue_files(messages_dir).items():
                        keys = translated_earlier.setdefault(domain, set())
                        keys.update(_key(e) for e in _load_catalogue(path).translated_entries())
                continue
            source_dir = app_locale / SOURCE_LOCALE / "LC_MESSAGES"
            if not source_dir.is_dir():
                continue
            for domain, path in _catalogue_files(source_dir).items():
                self._merge(merged, sources, translated_earlier.get(domain, set()), domain, path, app_config.label)

        written = set()
        for domain, po in merged.items():
            _write_if_changed(out_dir / f"{domain}.po", str(po).encode("utf-8") + b"\n")
            changed = _write_if_changed(out_dir / f"{domain}.mo", po.to_binary())
            written |= {f"{domain}.po", f"{domain}.mo"}
            self.stdout.write(
                f"{'built' if changed else 'up to date:'} {out_dir / domain}.mo from {SOURCE_LOCALE} of "
                f"{', '.join(sources[domain])} ({len(po)} messages)"
            )
        if out_dir.is_dir():
            for stale in out_dir.iterdir():
                if stale.suffix in {".po", ".mo"} and stale.name not in written:
                    stale.unlink()
        if not merged:
            self.stdout.write(f"no installed app needs its {SOURCE_LOCALE} catalogue re-filed as {TARGET_LOCALE}")

    def _merge(self, merged, sources, translated_earlier: set[Key], domain: str, path: Path, label: str) -> None:
        catalogue = _load_catalogue(path)
        po = merged.get(domain)
        if po is None:
            po = merged[domain] = polib.POFile(wrapwidth=0)
            po.metadata = {
                "Project-Id-Version": f"gridgov {SOURCE_LOCALE} catalogues re-filed as {TARGET_LOCALE}",
                "Language": TARGET_LOCALE,
                "MIME-Version": "1.0",
                "Content-Type": "text/plain; charset=UTF-8",
                "Content-Transfer-Encoding": "8bit",
                "Plural-Forms": catalogue.metadata.get("Plural-Forms", "nplurals=1; plural=0;"),
            }
        same_plurals = (
            catalogue.metadata.get("Plural-Forms", po.metadata["Plural-Forms"]) == po.metadata["Plural-Forms"]
        )
        present = {_key(e) for e in po}
        added = 0
        for entry in catalogue.translated_entries():
            key = _key(entry)
            if key in translated_earlier or key in present or (entry.msgid_plural and not same_plurals):
                continue
            po.append(
                polib.POEntry(
                    msgctxt=entry.msgctxt,
                    msgid=entry.msgid,
                    msgstr=entry.msgstr,
                    msgid_plural=entry.msgid_plural,
                    msgstr_plural=dict(entry.msgstr_plural),
                    flags=[f for f in getattr(entry, "flags", []) if f != "fuzzy"],
                    tcomment=f"{label}: {path.name}",
                )
            )
            present.add(key)
            added += 1
        if added:
            sources.setdefault(domain, []).append(label)
        elif not po:
            del merged[domain]
