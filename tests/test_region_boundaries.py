"""Region boundaries: the GeoJSON checks, the loading command, the admin field and the demo's invented shapes."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from fixtures.demo.boundaries import COUNTY_HALF_HEIGHT, COUNTY_HALF_WIDTH
from fixtures.demo.places import counties
from grids import services
from grids.geo import (
    MAX_POSITIONS,
    boundary_bbox,
    boundary_centre,
    region_set_boundary,
    validate_boundary,
)
from grids.mapconfig import map_config, map_labels
from grids.models import Building, Region, RegionLevel

pytestmark = pytest.mark.django_db


def rectangle(west: float, south: float, east: float, north: float) -> list:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


SQUARE = {"type": "Polygon", "coordinates": [rectangle(106.0, 38.0, 106.2, 38.2)]}
TWO_SQUARES = {
    "type": "MultiPolygon",
    "coordinates": [[rectangle(106.0, 38.0, 106.2, 38.2)], [rectangle(107.0, 39.0, 107.2, 39.2)]],
}


# ---------------------------------------------------------------- the geometry checks


def test_polygons_with_holes_and_multipolygons_pass():
    with_hole = {"type": "Polygon", "coordinates": [rectangle(106.0, 38.0, 106.2, 38.2), rectangle(106.05, 38.05, 106.1, 38.1)]}  # fmt: skip
    for geometry in (SQUARE, TWO_SQUARES, with_hole):
        validate_boundary(geometry)
    # GeoJSON allows an altitude after longitude and latitude.
    validate_boundary({"type": "Polygon", "coordinates": [[[*p, 1100.0] for p in rectangle(106, 38, 106.1, 38.1)]]})


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("not json at all", "边界必须是带有 type 的 GeoJSON 几何对象。"),
        ({"coordinates": [rectangle(106, 38, 107, 39)]}, "边界必须是带有 type 的 GeoJSON 几何对象。"),
        ({"type": "Point", "coordinates": [106.2, 38.0]}, "边界必须是 Polygon 或 MultiPolygon，不能是 Point。"),
        ({"type": "Feature", "geometry": SQUARE}, "边界必须是 Polygon 或 MultiPolygon，不能是 Feature。"),
        ({"type": "Polygon", "coordinates": []}, "边界的 coordinates 必须是非空列表。"),
        ({"type": "Polygon"}, "边界的 coordinates 必须是非空列表。"),
        (
            {"type": "MultiPolygon", "coordinates": [[rectangle(106, 38, 107, 39)], []]},
            "第 2 个多边形必须是由环组成的非空列表。",
        ),
        (
            {"type": "Polygon", "coordinates": [rectangle(106, 38, 107, 39), "ring"]},
            "第 1 个多边形的第 2 个环必须是坐标点的列表。",
        ),
        (
            {"type": "Polygon", "coordinates": [[[106, 38], [107, 38], [107, 39], [106, 39]]]},
            "第 1 个多边形的第 1 个环没有闭合：最后一个坐标点必须与第一个相同。",
        ),
        (
            {"type": "Polygon", "coordinates": [[[106, 38], [107, 38], [106, 38]]]},
            "第 1 个多边形的第 1 个环只有 3 个坐标点，一个环至少需要 4 个。",
        ),
        (
            {"type": "Polygon", "coordinates": [[[106, 38], ["107", 38], [107, 39], [106, 38]]]},
            '第 1 个多边形的第 1 个环中有坐标点不是 [经度, 纬度]：["107", 38]。',
        ),
        (
            {"type": "Polygon", "coordinates": [[[106, 38], [True, 38], [107, 39], [106, 38]]]},
            "第 1 个多边形的第 1 个环中有坐标点不是 [经度, 纬度]：[true, 38]。",
        ),
        (
            {"type": "Polygon", "coordinates": [[[106, 38], [107], [107, 39], [106, 38]]]},
            "第 1 个多边形的第 1 个环中有坐标点不是 [经度, 纬度]：[107]。",
        ),
        (
            {"type": "Polygon", "coordinates": [rectangle(179.5, 38, 180.5, 39)]},
            "经度 180.5 超出 -180 至 180 的范围（第 1 个多边形的第 1 个环）；GeoJSON 先写经度，后写纬度。",
        ),
        (
            # Latitude and longitude swapped, the usual mistake.
            {"type": "MultiPolygon", "coordinates": [[rectangle(106, 38, 107, 39)], [rectangle(38, 106, 39, 107)]]},
            "纬度 106 超出 -90 至 90 的范围（第 2 个多边形的第 1 个环）；GeoJSON 先写经度，后写纬度。",
        ),
    ],
)
def test_each_bad_shape_gets_its_message(geometry, message):
    with pytest.raises(ValidationError) as caught:
        validate_boundary(geometry)
    assert caught.value.messages == [message]


def test_too_many_positions_are_refused():
    ring = [[106 + i / 1e5, 38 + (i % 2) / 1e5] for i in range(MAX_POSITIONS)]
    ring.append(ring[0])
    with pytest.raises(ValidationError) as caught:
        validate_boundary({"type": "Polygon", "coordinates": [ring]})
    assert caught.value.messages == [f"边界的坐标点超过 {MAX_POSITIONS} 个，请先简化边界。"]
    validate_boundary({"type": "Polygon", "coordinates": [ring[: MAX_POSITIONS - 1] + [ring[0]]]})


def test_centre_and_bounding_box_come_from_the_outer_rings():
    assert boundary_centre(SQUARE) == (Decimal("38.100000"), Decimal("106.100000"))
    assert boundary_centre(TWO_SQUARES) == (Decimal("38.600000"), Decimal("106.600000"))
    assert boundary_bbox(TWO_SQUARES) == (106.0, 38.0, 107.2, 39.2)


# ---------------------------------------------------------------- the service


def test_set_boundary_keeps_the_geometry_only_and_computes_the_centre(territory):
    street = territory.street
    region_set_boundary(region=street, boundary={**SQUARE, "bbox": [106, 38, 106.2, 38.2], "crs": "x"}, invented=True)
    street.refresh_from_db()
    assert street.boundary == SQUARE
    assert (street.centre_latitude, street.centre_longitude) == (Decimal("38.1"), Decimal("106.1"))
    assert street.boundary_is_invented

    region_set_boundary(region=street, boundary=SQUARE, centre=(38.15, 106.05))
    street.refresh_from_db()
    assert (street.centre_latitude, street.centre_longitude) == (Decimal("38.15"), Decimal("106.05"))
    assert not street.boundary_is_invented

    region_set_boundary(region=street, boundary=None)
    street.refresh_from_db()
    assert street.boundary is None and street.centre_latitude is None and street.centre_longitude is None


def test_set_boundary_refuses_a_bad_shape_and_leaves_the_region_alone(territory):
    street = territory.street
    region_set_boundary(region=street, boundary=SQUARE)
    with pytest.raises(ValidationError):
        region_set_boundary(region=street, boundary={"type": "Point", "coordinates": [106, 38]})
    street.refresh_from_db()
    assert street.boundary == SQUARE


def test_a_centre_needs_both_coordinates(territory):
    street = territory.street
    street.centre_latitude = Decimal("38.1")
    with pytest.raises(ValidationError) as caught:
        street.full_clean()
    assert "中心点须同时填写纬度和经度。" in caught.value.messages


# ---------------------------------------------------------------- the command


def feature(properties: dict, geometry) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_collection(tmp_path, *features) -> str:
    path = tmp_path / "boundaries.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False))
    return str(path)


def run(path: str, *args: str) -> str:
    out = io.StringIO()
    call_command("load_region_boundaries", path, *args, stdout=out)
    return out.getvalue()


def test_command_loads_by_code_adcode_and_chinese_key(territory, tmp_path):
    t = territory
    path = write_collection(
        tmp_path,
        feature({"code": t.street.code, "name": "x"}, SQUARE),
        feature({"adcode": int(t.county.code)}, TWO_SQUARES),
        feature({"区划代码": t.comm_a.code, "center": [106.12, 38.11]}, SQUARE),
    )
    output = run(path)
    assert "已为 3 个区域设置边界。" in output
    assert f"{t.county.code} {t.county.name}" in output
    for region in (t.street, t.county, t.comm_a):
        region.refresh_from_db()
        assert region.boundary is not None and not region.boundary_is_invented
    assert t.county.boundary == TWO_SQUARES
    assert (t.street.centre_latitude, t.street.centre_longitude) == (Decimal("38.1"), Decimal("106.1"))
    assert (t.comm_a.centre_latitude, t.comm_a.centre_longitude) == (Decimal("38.11"), Decimal("106.12"))


def test_command_writes_nothing_when_one_feature_is_bad(territory, tmp_path):
    t = territory
    open_ring = {"type": "Polygon", "coordinates": [[[106, 38], [107, 38], [107, 39], [106, 39]]]}
    path = write_collection(
        tmp_path,
        feature({"code": t.street.code}, SQUARE),
        feature({"code": t.comm_a.code}, open_ring),
        feature({"name": "无代码"}, SQUARE),
    )
    with pytest.raises(CommandError) as caught:
        run(path)
    message = str(caught.value)
    assert "未写入任何数据：有 2 个要素存在问题。" in message
    assert f"第 2 个要素（{t.comm_a.code}）：第 1 个多边形的第 1 个环没有闭合" in message
    assert "第 3 个要素没有区划代码" in message
    assert not Region.objects.filter(boundary__isnull=False).exists()


def test_command_reports_unknown_codes_and_loads_the_rest(territory, tmp_path):
    path = write_collection(
        tmp_path, feature({"code": territory.street.code}, SQUARE), feature({"code": "640399"}, SQUARE)
    )
    output = run(path, "--invented")
    assert "已为 1 个区域设置边界。" in output
    assert "以下区划代码没有对应的区域（已跳过）：640399" in output
    territory.street.refresh_from_db()
    assert territory.street.boundary == SQUARE and territory.street.boundary_is_invented


def test_dry_run_checks_and_reports_but_writes_nothing(territory, tmp_path):
    path = write_collection(
        tmp_path, feature({"code": territory.street.code}, SQUARE), feature({"code": "640399"}, SQUARE)
    )
    output = run(path, "--dry-run")
    assert "试运行，未写入任何数据：将为 1 个区域设置边界。" in output
    assert territory.street.code in output and "640399" in output
    assert not Region.objects.filter(boundary__isnull=False).exists()


def test_command_refuses_files_that_are_not_feature_collections(territory, tmp_path):
    duplicate = write_collection(
        tmp_path, feature({"code": territory.street.code}, SQUARE), feature({"code": territory.street.code}, SQUARE)
    )
    with pytest.raises(CommandError, match=f"第 2 个要素：区划代码 {territory.street.code} 重复出现。"):
        run(duplicate)
    geometry_only = tmp_path / "geometry.json"
    geometry_only.write_text(json.dumps(SQUARE))
    with pytest.raises(CommandError, match="文件内容必须是 GeoJSON FeatureCollection。"):
        run(str(geometry_only))
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "FeatureCollection",\n "features": [}')
    with pytest.raises(CommandError, match=r"不是有效的 JSON（第 2 行第 15 列）"):
        run(str(broken))
    assert not Region.objects.filter(boundary__isnull=False).exists()


# ---------------------------------------------------------------- the admin


def change_form_data(region: Region, **changes) -> dict:
    data = {
        "parent": region.parent_id or "",
        "level": region.level,
        "name": region.name,
        "valid_from": "",
        "valid_to": "",
        "target_households_min": "",
        "target_households_max": "",
        "boundary": "",
        "centre_latitude": "",
        "centre_longitude": "",
        "_save": "1",
    }
    data.update(changes)
    return data


def test_admin_refuses_a_bad_boundary_with_a_chinese_message(client, territory, users):
    street = territory.street
    client.force_login(users.admin)
    url = reverse("admin:grids_region_change", args=[street.pk])
    response = client.post(url, change_form_data(street, boundary=json.dumps({"type": "Point", "coordinates": [1, 2]})))
    assert response.status_code == 200
    assert "边界必须是 Polygon 或 MultiPolygon，不能是 Point。" in response.content.decode()
    response = client.post(url, change_form_data(street, centre_latitude="38.1"))
    assert response.status_code == 200
    assert "中心点须同时填写纬度和经度。" in response.content.decode()
    street.refresh_from_db()
    assert street.boundary is None and street.centre_latitude is None


def test_admin_saves_a_boundary_and_computes_its_centre(client, territory, users):
    street = territory.street
    client.force_login(users.admin)
    url = reverse("admin:grids_region_change", args=[street.pk])
    response = client.post(url, change_form_data(street, boundary=json.dumps({**SQUARE, "bbox": [1, 2, 3, 4]})))
    assert response.status_code == 302
    street.refresh_from_db()
    assert street.boundary == SQUARE
    assert (street.centre_latitude, street.centre_longitude) == (Decimal("38.1"), Decimal("106.1"))
    page = client.get(url).content.decode()
    assert "[longitude, latitude]" not in page  # the help text is in Chinese
    assert "[经度, 纬度]" in page


# ---------------------------------------------------------------- the map settings


def test_map_config_reads_the_settings(settings):
    assert map_config() == {"tileUrl": "", "attribution": ""}
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Example"
    assert map_config() == {"tileUrl": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "© Example"}
    assert map_labels()["zoomIn"] == "放大"


# ---------------------------------------------------------------- the demo's invented boundaries


def bbox_of(region: Region) -> tuple[float, float, float, float]:
    return boundary_bbox(region.boundary)


def inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    latitude, longitude = point
    west, south, east, north = box
    return west <= longitude <= east and south <= latitude <= north


DRAWN_LEVELS = [RegionLevel.COUNTY, RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICROGRID]


def check_every_region_has_an_invented_boundary() -> None:
    drawn = Region.objects.filter(level__in=DRAWN_LEVELS)
    assert drawn.count() > 100
    for region in drawn:
        assert region.boundary is not None, region
        validate_boundary(region.boundary)
        assert region.centre_latitude is not None and region.centre_longitude is not None, region
        assert region.boundary_is_invented, region
    assert not Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY], boundary__isnull=False)
    seats = {spec.code: (spec.latitude, spec.longitude) for spec in counties()}
    for county in Region.objects.filter(level=RegionLevel.COUNTY):
        assert (float(county.centre_latitude), float(county.centre_longitude)) == seats[county.code]


def check_children_lie_inside_and_tile_their_parents() -> None:
    regions = {r.pk: r for r in Region.objects.filter(level__in=DRAWN_LEVELS)}
    children: dict[int, list[Region]] = {}
    for region in regions.values():
        parent = regions.get(region.parent_id)
        if parent is None:
            assert region.level == RegionLevel.COUNTY, region
            continue
        box = bbox_of(parent)
        assert inside((float(region.centre_latitude), float(region.centre_longitude)), box), (region, parent)
        west, south, east, north = bbox_of(region)
        assert inside((south, west), box) and inside((north, east), box), (region, parent)
        children.setdefault(parent.pk, []).append(region)
    # Inside and together as large as the parent (rectangles that do not overlap): they cover it.
    for parent_pk, below in children.items():
        west, south, east, north = bbox_of(regions[parent_pk])
        area = sum((e - w) * (n - s) for w, s, e, n in map(bbox_of, below))
        assert area == pytest.approx((east - west) * (north - south), rel=1e-4), regions[parent_pk]


def check_buildings_lie_in_their_county_rectangle() -> None:
    # The buildings (and the cases placed beside them) keep their positions and fall inside the county drawn.
    boxes = {r.code: bbox_of(r) for r in Region.objects.filter(level=RegionLevel.COUNTY)}
    for latitude, longitude, code in Building.objects.values_list("latitude", "longitude", "region_code"):
        assert inside((float(latitude), float(longitude)), boxes[code[:6]]), code
    for spec in counties():
        west, south, east, north = boxes[spec.code]
        assert north - south == pytest.approx(2 * COUNTY_HALF_HEIGHT)
        assert east - west == pytest.approx(2 * COUNTY_HALF_WIDTH)


@pytest.mark.slow
def test_the_demo_draws_nested_invented_rectangles():
    # One load for all the checks: the demo takes seconds to build.
    call_command("load_demo", scale=0.05, stdout=io.StringIO())
    check_every_region_has_an_invented_boundary()
    check_children_lie_inside_and_tile_their_parents()
    check_buildings_lie_in_their_county_rectangle()


@pytest.mark.slow
def test_the_demo_keeps_an_official_county_boundary():
    province = services.region_create(code="64", level=RegionLevel.PROVINCE, name="宁夏回族自治区")
    city = services.region_create(code="6403", level=RegionLevel.CITY, name="吴忠市", parent=province)
    county = services.region_create(code="640302", level=RegionLevel.COUNTY, name="利通区", parent=city)
    official = {"type": "Polygon", "coordinates": [rectangle(105.9, 37.7, 106.5, 38.3)]}
    region_set_boundary(region=county, boundary=official)
    call_command("load_demo", scale=0.05, stdout=io.StringIO())
    county.refresh_from_db()
    assert county.boundary == official and not county.boundary_is_invented
    streets = Region.objects.filter(parent=county)
    assert streets.exists()
    assert all(s.boundary_is_invented and s.boundary for s in streets)
