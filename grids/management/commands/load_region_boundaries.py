"""Load region boundaries from a GeoJSON FeatureCollection, all or nothing.

Each feature names its region by ``properties.code`` (also ``adcode`` or ``区划代码``, as
published boundary files spell it) and may give a centre as ``properties.centre`` or
``properties.center``, [longitude, latitude]; without one the centre is computed from the
boundary. Every feature is checked before anything is written; one bad feature stops the
whole file. Codes that match no region are reported and skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from grids.geo import clean_boundary, parse_centre, region_set_boundary
from grids.models import Region

CODE_PROPERTIES = ("code", "adcode", "区划代码")
CENTRE_PROPERTIES = ("centre", "center")


@dataclass(frozen=True)
class BoundaryRow:
    code: str
    boundary: dict
    centre: tuple[Decimal, Decimal] | None


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


def read_features(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            _("%(path)s is not valid JSON (line %(line)d, column %(column)d).")
            % {"path": path, "line": exc.lineno, "column": exc.colno}
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise CommandError(_("The file must hold a GeoJSON FeatureCollection."))
    if not data["features"]:
        raise CommandError(_("The file holds no features."))
    return data["features"]


def parse_feature(number: int, feature) -> BoundaryRow:
    """One feature as a row to write; ValidationError with the feature's number in the message otherwise."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    code = next((str(properties[key]).strip() for key in CODE_PROPERTIES if properties.get(key) not in (None, "")), "")
    if not code:
        raise ValidationError(
            _("Feature %(number)d has no region code (properties.code, adcode or 区划代码).") % {"number": number}
        )
    try:
        boundary = clean_boundary(feature.get("geometry"))
        raw_centre = next((properties[key] for key in CENTRE_PROPERTIES if properties.get(key) is not None), None)
        centre = parse_centre(raw_centre) if raw_centre is not None else None
    except ValidationError as exc:
        raise ValidationError(
            _("Feature %(number)d (%(code)s): %(error)s") % {"number": number, "code": code, "error": _messages(exc)}
        ) from None
    return BoundaryRow(code=code, boundary=boundary, centre=centre)


def parse_features(features: list) -> list[BoundaryRow]:
    """Every feature checked; one CommandError listing every problem if any."""
    rows: list[BoundaryRow] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        try:
            row = parse_feature(number, feature)
        except ValidationError as exc:
            problems.append(_messages(exc))
            continue
        if row.code in seen:
            problems.append(
                _("Feature %(number)d: the code %(code)s appears more than once.")
                % {"number": number, "code": row.code}
            )
            continue
        seen.add(row.code)
        rows.append(row)
    if problems:
        header = _("Nothing was written: %(count)d feature(s) have problems.") % {"count": len(problems)}
        raise CommandError("\n".join([header, *(f"  {p}" for p in problems)]))
    return rows


class Command(BaseCommand):
    help = "Load region boundaries from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="GeoJSON FeatureCollection; features carry properties.code.")
        parser.add_argument(
            "--invented", action="store_true", help="Mark the boundaries as drawn for the demo, not official."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")

    def handle(self, *args, path: Path, invented: bool = False, dry_run: bool = False, **options) -> None:
        rows = parse_features(read_features(path))
        regions = Region.objects.select_related("parent").in_bulk([row.code for row in rows], field_name="code")
        found = [row for row in rows if row.code in regions]
        missing = [row.code for row in rows if row.code not in regions]
        if not dry_run:
            try:
                with transaction.atomic():
                    for row in found:
                        region_set_boundary(
                            region=regions[row.code], boundary=row.boundary, centre=row.centre, invented=invented
                        )
            except ValidationError as exc:
                raise CommandError(
                    _("Nothing was written: %(region)s: %(error)s")
                    % {"region": regions[row.code], "error": _messages(exc)}
                ) from None
        if dry_run:
            summary = _("Dry run, nothing written: %(count)d region(s) would get a boundary.")
        else:
            summary = _("%(count)d region(s) got a boundary.")
        self.stdout.write(self.style.SUCCESS(summary % {"count": len(found)}))
        for row in found:
            self.stdout.write(f"  {row.code} {regions[row.code].name}")
        if missing:
            self.stdout.write(
                self.style.WARNING(_("No region has these codes (skipped): %(codes)s") % {"codes": "、".join(missing)})
            )
