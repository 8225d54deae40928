"""GCJ-02 conversion against published reference values."""

import coordTransform
import numpy as np
import pytest
import shapely

from maps import gcj02


def test_changchun_station_reference_value():
    lon, lat = gcj02.wgs84_to_gcj02(125.3226, 43.9065)
    assert lon == pytest.approx(125.3291181, abs=1e-7)
    assert lat == pytest.approx(43.9088993, abs=1e-7)


def test_offset_at_changchun_is_about_590_m():
    lon, lat = gcj02.wgs84_to_gcj02(125.3226, 43.9065)
    dx = (lon - 125.3226) * 111_320 * np.cos(np.radians(43.9065))
    dy = (lat - 43.9065) * 110_574
    assert 560 < np.hypot(dx, dy) < 620


def test_matches_coordtransform_package_vectorised():
    rng = np.random.default_rng(1)
    lon = rng.uniform(121.6, 131.3, 1000)
    lat = rng.uniform(40.8, 46.3, 1000)
    ours = gcj02.wgs84_to_gcj02(lon, lat)
    pairs = zip(lon, lat, strict=True)
    theirs = np.array([coordTransform.wgs84_to_gcj02(a, b) for a, b in pairs]).T
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_inverse_round_trip_under_a_millimetre():
    lon = np.linspace(122, 131, 50)
    lat = np.linspace(41, 46, 50)
    back = gcj02.gcj02_to_wgs84(*gcj02.wgs84_to_gcj02(lon, lat))
    np.testing.assert_allclose(back, (lon, lat), atol=1e-8)  # 1e-8° ≈ 1 mm


def test_outside_china_unchanged():
    assert gcj02.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_geometry_conversion():
    line = shapely.LineString([(125.3226, 43.9065), (126.55, 43.84)])
    g = gcj02.geometry_to_gcj02(line)
    assert g.coords[0] == pytest.approx((125.3291181, 43.9088993), abs=1e-7)
    assert shapely.equals_exact(gcj02.geometry_to_wgs84(g), line, tolerance=1e-8)
