"""Region boundaries: GeoJSON geometry checks, centres, bounding boxes and the one write.

A boundary is a GeoJSON geometry (RFC 7946): a Polygon or MultiPolygon in WGS84 whose
positions are [longitude, latitude], longitude first. Centres are stored apart, as
latitude and longitude, because that is how people read them and how Leaflet takes them.

This module is imported by grids.models (for the field validator), so it imports no model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import Region

BOUNDARY_TYPES = ("Polygon", "MultiPolygon")
MAX_POSITIONS = 20_000
MIN_RING_POSITIONS = 4
BOUNDARY_FIELDS = ["boundary", "centre_latitude", "centre_longitude", "boundary_is_invented"]
_PLACES = Decimal("0.000001")

Position = list[float]
Ring = list[Position]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _polygons(geometry: dict) -> list:
    """The polygons of a geometry whose type was checked: a Polygon is a MultiPolygon of one."""
    coordinates = geometry["coordinates"]
    return [coordinates] if geometry["type"] == "Polygon" else coordinates


def validate_boundary(geometry: Any) -> None:
    """Raise ValidationError (with a message for the user) unless `geometry` is a usable boundary.

    The checks: a GeoJSON object of type Polygon or MultiPolygon; every polygon a non-empty
    list of rings; every ring a closed list of at least four [longitude, latitude] positions
    inside the WGS84 ranges; at most MAX_POSITIONS positions in all.
    """
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise ValidationError(_("A boundary must be a GeoJSON geometry object with a type."), code="not_geometry")
    kind = geometry["type"]
    if kind not in BOUNDARY_TYPES:
        raise ValidationError(
            _("A boundary must be a Polygon or a MultiPolygon, not %(type)s.") % {"type": str(kind)[:40]},
            code="wrong_type",
        )
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("The boundary's coordinates must be a non-empty list."), code="no_coordinates")
    total = 0
    polygons = [coordinates] if kind == "Polygon" else coordinates
    for p, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(
                _("Polygon %(polygon)d must be a non-empty list of rings.") % {"polygon": p}, code="no_rings"
            )
        for r, ring in enumerate(polygon, start=1):
            where = {"polygon": p, "ring": r}
            if not isinstance(ring, list):
                raise ValidationError(
                    _("Polygon %(polygon)d, ring %(ring)d must be a list of positions.") % where, code="bad_ring"
                )
            total += len(ring)
            if total > MAX_POSITIONS:
                raise ValidationError(
                    _("The boundary has more than %(max)d positions; simplify it first.") % {"max": MAX_POSITIONS},
                    code="too_large",
                )
            _check_ring(ring, where)


def _check_ring(ring: list, where: dict) -> None:
    for position in ring:
        if not isinstance(position, list) or len(position) < 2 or not all(_is_number(v) for v in position[:2]):
            raise ValidationError(
                _(
                    "Polygon %(polygon)d, ring %(ring)d holds a position that is not [longitude, latitude]: %(position)s."
                )
                % {**where, "position": json.dumps(position, ensure_ascii=False)[:60]},
                code="bad_position",
            )
        longitude, latitude = position[0], position[1]
        if not -180 <= longitude <= 180:
            raise ValidationError(
                _(
                    "Longitude %(value)s is outside -180 to 180 (polygon %(polygon)d, ring %(ring)d); "
                    "GeoJSON puts the longitude first."
                )
                % {**where, "value": longitude},
                code="longitude_range",
            )
        if not -90 <= latitude <= 90:
            raise ValidationError(
                _(
                    "Latitude %(value)s is outside -90 to 90 (polygon %(polygon)d, ring %(ring)d); "
                    "GeoJSON puts the longitude first."
                )
                % {**where, "value": latitude},
                code="latitude_range",
            )
    if len(ring) < MIN_RING_POSITIONS:
        raise ValidationError(
            _("Polygon %(polygon)d, ring %(ring)d has %(count)d positions; a ring needs at least %(min)d.")
            % {**where, "count": len(ring), "min": MIN_RING_POSITIONS},
            code="short_ring",
        )
    if ring[0][:2] != ring[-1][:2]:
        raise ValidationError(
            _("Polygon %(polygon)d, ring %(ring)d is not closed: its last position must repeat the first.") % where,
            code="open_ring",
        )


def clean_boundary(geometry: Any) -> dict:
    """A validated copy of the geometry holding only its type and coordinates (no bbox, crs or extras)."""
    validate_boundary(geometry)
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


def outer_positions(geometry: dict) -> Iterator[Position]:
    """The positions of the outer ring of every polygon, without the closing repeat."""
    for polygon in _polygons(geometry):
        yield from polygon[0][:-1]


def boundary_centre(geometry: dict) -> tuple[Decimal, Decimal]:
    """(latitude, longitude) of a valid boundary: the average of its outer rings' positions.

    Good enough to place a label or centre a map on a compact region; it can fall outside a
    strongly concave shape.
    """
    positions = list(outer_positions(geometry))
    longitude = sum(p[0] for p in positions) / len(positions)
    latitude = sum(p[1] for p in positions) / len(positions)
    return _decimal(latitude), _decimal(longitude)


def boundary_bbox(geometry: dict) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a valid boundary, in degrees."""
    positions = list(outer_positions(geometry))
    longitudes = [p[0] for p in positions]
    latitudes = [p[1] for p in positions]
    return min(longitudes), min(latitudes), max(longitudes), max(latitudes)


def _decimal(value: float | Decimal | str) -> Decimal:
    return Decimal(str(value)).quantize(_PLACES)


def parse_centre(value: Any) -> tuple[Decimal, Decimal]:
    """A centre written GeoJSON's way, [longitude, latitude], as (latitude, longitude) decimals."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(_is_number(v) for v in value)
        or not -180 <= value[0] <= 180
        or not -90 <= value[1] <= 90
    ):
        raise ValidationError(
            _("A centre must be written as [longitude, latitude] within -180 to 180 and -90 to 90."),
            code="bad_centre",
        )
    return _decimal(value[1]), _decimal(value[0])


@transaction.atomic
def region_set_boundary(
    *,
    region: Region,
    boundary: dict | None,
    centre: tuple[Decimal | float, Decimal | float] | None = None,
    invented: bool = False,
) -> Region:
    """Give a region a boundary (or none) and a centre; without a centre one is computed from the boundary.

    `centre` is (latitude, longitude). Passing `boundary=None` removes the boundary; the centre
    is then the one given, or none.
    """
    if boundary is not None:
        boundary = clean_boundary(boundary)
    if centre is None and boundary is not None:
        centre = boundary_centre(boundary)
    region.boundary = boundary
    region.centre_latitude, region.centre_longitude = (
        (_decimal(centre[0]), _decimal(centre[1])) if centre is not None else (None, None)
    )
    region.boundary_is_invented = invented
    # Only these fields change, so only they (and the constraints on them) are checked again.
    others = [f.name for f in region._meta.concrete_fields if f.name not in BOUNDARY_FIELDS]
    region.full_clean(exclude=others)
    region.save(update_fields=BOUNDARY_FIELDS)
    return region
