"""Boundaries, point-in-prefecture and centroids (maps.geo)."""

import math
import shutil
from pathlib import Path

import pytest

from maps import geo

SHIPPED = geo.SEEDS_GEO

# City centres in WGS-84 (railway station / government seat area).
CITY_CENTRES = {
    "长春站": ((125.3226, 43.9065), "220100"),
    "吉林": ((126.5500, 43.8400), "220200"),
    "延吉": ((129.5100, 42.8900), "222400"),
    "白城": ((122.8400, 45.6200), "220800"),
    "松原": ((124.8300, 45.1400), "220700"),
    "通化": ((125.9400, 41.7300), "220500"),
    "白山": ((126.4200, 41.9400), "220600"),
    "辽源": ((125.1400, 42.8900), "220400"),
    "四平": ((124.3500, 43.1700), "220300"),
}


def test_nine_prefectures_sixty_counties():
    pref, cty = geo.prefectures(), geo.counties()
    assert len(pref) == 9 and len(cty) == 60
    assert pref.crs.to_epsg() == 4326 and cty.crs.to_epsg() == 4326
    assert set(pref.code) == {c for _, c in CITY_CENTRES.values()}
    assert set(cty.prefecture_code) == set(pref.code)
    parent = dict(zip(cty.code, cty.prefecture_code, strict=True))
    assert parent["220184"] == "220100"  # 公主岭 under 长春
    assert pref.geometry.is_valid.all()


def test_loaded_once_per_process():
    assert geo.prefectures() is geo.prefectures()


@pytest.mark.parametrize("place", CITY_CENTRES)
def test_city_centre_in_its_prefecture(place):
    (lon, lat), code = CITY_CENTRES[place]
    assert geo.prefecture_code_at(lon, lat) == code
    assert geo.county_code_at(lon, lat)[:4] == code[:4]


def test_vectorised_lookup_and_outside():
    lons = [p[0][0] for p in CITY_CENTRES.values()] + [116.3975, float("nan")]
    lats = [p[0][1] for p in CITY_CENTRES.values()] + [39.9087, float("nan")]
    expected = [c for _, c in CITY_CENTRES.values()] + [None, None]
    assert geo.prefecture_codes_at(lons, lats) == expected


def test_beijing_is_none():
    assert geo.prefecture_code_at(116.3975, 39.9087) is None
    assert geo.prefecture_code_at(None, 43.0) is None


def test_centroids_lie_inside_their_division():
    for code, (lon, lat) in geo.prefecture_centroids().items():
        assert geo.prefecture_code_at(lon, lat) == code
    for code, (lon, lat) in geo.county_centroids().items():
        assert geo.county_code_at(lon, lat) == code
    assert geo.centroid_for("220184") == geo.county_centroids()["220184"]
    assert geo.centroid_for("999999") is None


def test_city_mismatch_warning():
    lon, lat = CITY_CENTRES["长春站"][0]
    assert geo.city_mismatch_warning(lon, lat, "220100") is None
    assert "长春市" in geo.city_mismatch_warning(lon, lat, "220300")
    assert "四平市" in geo.city_mismatch_warning(lon, lat, "220300")
    assert "不在吉林省" in geo.city_mismatch_warning(116.4, 39.9, "220100")


def test_boundaries_are_wgs84_not_gcj02():
    # The 长春 outline's centroid moved ~0.0063° W / 0.0023° S from the Amap data.
    c = geo.prefectures().set_index("code").geometry["220100"].centroid
    assert math.isclose(c.x, 125.5, abs_tol=1.0) and math.isclose(c.y, 44.2, abs_tol=1.0)


def test_shipped_files_match_a_rebuild(tmp_path):
    built = geo.build_boundaries(tmp_path)
    for kind, path in built.items():
        assert path.read_text() == (geo.SEEDS_GEO / geo.FILES[kind]).read_text(), kind


def test_missing_boundary_files_come_from_the_cache_dir_given(tmp_path, monkeypatch):
    """maps/ has no instance folder of its own: without shipped files it uses the
    directory it is given, and says so when there is none."""
    monkeypatch.setattr(geo, "SEEDS_GEO", tmp_path / "shipped")  # the shipped files: gone
    monkeypatch.setattr(geo, "_cache_dir", None)
    with pytest.raises(FileNotFoundError, match="set_cache_dir"):
        geo._path_for("prefecture")
    cache = tmp_path / "cache"
    shutil.copytree(SHIPPED, cache)  # as if rebuilt there earlier
    geo.set_cache_dir(cache)
    assert geo._path_for("prefecture") == cache / geo.FILES["prefecture"]


def test_the_app_gives_its_instance_folder(app, monkeypatch):
    from crm import create_app

    monkeypatch.setattr(geo, "_cache_dir", None)
    other = create_app({**app.config, "INSTANCE_PATH": app.instance_path})
    assert geo._cache_dir == Path(other.instance_path) / "geo"

