"""maps.render on plain data: placement, metrics, layers, size."""

import json
import re
import time

import pandas as pd
import pytest

from crm import rules
from maps import geo, render, synthetic


def js_strings(html: str) -> list[str]:
    """String literals in the page, decoded (folium writes layer names as \\uXXXX)."""
    return [json.loads(f'"{m}"') for m in re.findall(r'"((?:[^"\\\n]|\\.)*)"', html)]


def project(**fields):
    return {"id": 1, "name": "项目", "enterprise": "企业", "city_code": None, "county_code": None,
            "park_id": None, "chain_segment": "高端芯片", "project_class": "supporting",
            "stage": "lead", "planned_investment_wan": None, "case_by_case": False,
            "jizhe": False, "source_city": None, "lon": None, "lat": None} | fields


def test_place_prefers_own_point_then_park_county_city():
    parks = [{"id": 7, "name": "园区", "city_code": "220100", "lon": 125.4, "lat": 43.8}]
    df = pd.DataFrame([
        project(id=1, lon=125.3226, lat=43.9065, park_id=7, city_code="220100"),
        project(id=2, park_id=7, county_code="220184", city_code="220100"),
        project(id=3, county_code="220184", city_code="220100"),
        project(id=4, city_code="220100"),
        project(id=5),  # nowhere: not drawn
    ])
    placed = render.place(df, parks).set_index("id")
    assert list(placed.index) == [1, 2, 3, 4]
    assert list(placed.approx) == [0, 1, 2, 3]
    assert (placed.loc[1, "plot_lon"], placed.loc[2, "plot_lon"]) == (125.3226, 125.4)
    points = list(zip(placed.plot_lon, placed.plot_lat, strict=True))
    assert points[2] == geo.county_centroids()["220184"]
    assert points[3] == geo.prefecture_centroids()["220100"]


def test_metrics():
    df = pd.DataFrame([
        project(id=1, city_code="220100", planned_investment_wan=20000, stage="signed"),
        project(id=2, city_code="220100", planned_investment_wan=10000, stage="lead"),
        project(id=3, city_code=None, lon=129.51, lat=42.89, planned_investment_wan=5000,
                stage="producing"),  # no city_code: its point says 延边
    ])
    ents = pd.DataFrame([{"city_code": "220300", "is_key_target": True, "lon": None, "lat": None},
                         {"city_code": "220300", "is_key_target": False, "lon": None, "lat": None}])
    assert render.metric_values("count", df, ents) == {"220100": 2, "222400": 1}
    assert render.metric_values("planned", df, ents) == {"220100": 3.0, "222400": 0.5}
    signed = rules.SIGNED_OR_LATER
    assert render.metric_values("signed", df, ents, signed) == {"220100": 2.0, "222400": 0.5}
    assert render.metric_values("signed", df, ents) == {"220100": 0, "222400": 0}  # none given
    assert render.metric_values("key_targets", df, ents) == {"220300": 1}


@pytest.mark.parametrize(("values", "expected"), [
    ([0, 0], []),
    ([3], [1, 2, 3, 4, 5]),
    ([47], [10, 20, 30, 40, 50]),
    ([0.3], [0.1, 0.2, 0.30000000000000004, 0.4, 0.5]),
])
def test_breaks(values, expected):
    assert render.breaks(values) == pytest.approx(expected)


def test_jizhe_flows_sum_by_city_pair():
    df = pd.DataFrame([
        project(id=1, jizhe=True, source_city="杭州市", city_code="220100",
                planned_investment_wan=10000),
        project(id=2, jizhe=True, source_city="杭州", city_code="220100",
                planned_investment_wan=30000),
        project(id=3, jizhe=True, source_city="宁波市", city_code="222400"),
        project(id=4, jizhe=False, source_city="杭州市", city_code="220100"),
        project(id=5, jizhe=True, source_city="深圳市", city_code="220100"),
    ])
    flows = render.jizhe_flows(df).set_index(["zhejiang_code", "jilin_code"])
    assert flows.loc[("330100", "220100"), "count"] == 2
    assert flows.loc[("330100", "220100"), "planned_yi"] == 4.0
    assert flows.loc[("330200", "222400"), "count"] == 1
    assert len(flows) == 2


def test_layers_per_segment_and_labels():
    data = render.MapData(
        projects=[project(id=1, city_code="220100", chain_segment="高端芯片"),
                  project(id=2, city_code="220200", chain_segment=None),
                  project(id=3, city_code="220200", chain_segment="忆阻器")],
        enterprises=[{"id": 1, "name": "长光卫星", "province": "吉林省", "city": "长春市",
                      "city_code": "220100", "chain_segment": None, "kind": "leader",
                      "is_key_target": False, "is_industry_base": True, "lon": None, "lat": None}],
        parks=[{"id": 1, "name": "长春新区", "city_code": "220100", "level": "", "lon": None,
                "lat": None}],
        pairings=[{"zhejiang_code": "330300", "jilin_code": "220200", "confidence": "inferred"}],
        segments=["忆阻器", "高端芯片"],
    )
    html = render.build_map(data).get_root().render()
    literals = js_strings(html)
    names = [n for n in literals if n.startswith("项目 · ")]
    assert names == ["项目 · 忆阻器（1）", "项目 · 高端芯片（1）", "项目 · 未分类（1）"]
    for layer in ("产业基础企业（1）", "园区（1）", "吉浙对口合作", "县（市、区）界",
                  "市（州）项目数"):
        assert layer in literals
    assert "温州市 — 吉林市（推断）" in html
    assert "位置为近似（市（州）中心）" in html


def test_twenty_thousand_projects_under_three_megabytes():
    data = render.MapData(projects=synthetic.projects(20_000))
    render.build_map(render.MapData(projects=synthetic.projects(10)))  # warm the caches
    start = time.perf_counter()
    html = render.build_map(data).get_root().render()
    elapsed = time.perf_counter() - start
    assert len(html.encode()) < 3_000_000
    assert elapsed < 3.0  # bench/bench_map.py measures it properly (target < 1 s)
    assert not re.search(r"https?://(?!www\.w3\.org)", html)


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% for x in y %}", "{# c #}", "<b>&</b>"])
def test_user_text_is_data_not_template(name):
    data = render.MapData(projects=[project(name=name, enterprise=name, city_code="220100")])
    html = render.build_map(data).get_root().render()  # must not raise
    assert "49" not in re.findall(r"\[\[[^\]]*", html)[0]
    assert "\\u007b" in html or "\\u003c" in html


def test_enterprises_with_missing_fields():
    ents = [{"id": i, "name": f"企业{i}", "province": prov, "city": city, "city_code": code,
             "chain_segment": seg, "kind": "other", "is_key_target": key,
             "is_industry_base": base, "lon": None, "lat": None}
            for i, (prov, city, code, seg, key, base) in enumerate([
                ("吉林省", "长春市", "220100", None, False, True),
                ("浙江省", "杭州市", "330100", "高端芯片", True, False),
                (None, None, None, float("nan"), True, False),  # nowhere: not drawn
            ])]
    html = render.build_map(render.MapData(enterprises=ents)).get_root().render()
    names = js_strings(html)
    assert "产业基础企业（1）" in names and "重点招商企业（1）" in names
    assert "nan" not in html.lower().replace("nanguan", "")


@pytest.mark.parametrize("data", [
    render.MapData(),
    render.MapData(projects=[{"id": 1, "name": "只有名称和城市", "city_code": "220100"}],
                   enterprises=[{"id": 1, "name": "企业", "city_code": "220100",
                                 "is_key_target": True}]),
])
@pytest.mark.parametrize("options", [
    render.MapOptions(),
    render.MapOptions(metric="signed", tiles="amap", focus_city="220300", show_jizhe=True),
])
def test_sparse_or_empty_data_still_draws(data, options):
    html = render.build_map(data, options).get_root().render()
    assert "市（州）" in html or "\\u5e02" in html


PAYLOADS = ["Z{{7*7}}Z", "{% x %}", "{# c", '"><img src=x onerror=alert(1)>',
            "</script><script>alert(1)</script>"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_every_user_string_is_data(text):
    """A payload in every string the map draws (segment → layer name, names, places,
    kinds, park levels): nothing compiles it, and the layer control gets it as
    HTML-escaped text (Leaflet writes names with innerHTML)."""
    data = render.MapData(
        projects=[project(name=text, enterprise=text, chain_segment=text, city_code="220100",
                          source_city=text, jizhe=True)],
        enterprises=[{"id": 1, "name": text, "province": text, "city": text,
                      "city_code": "220100", "chain_segment": text, "kind": text,
                      "is_key_target": True, "is_industry_base": True, "lon": None,
                      "lat": None}],
        parks=[{"id": 1, "name": text, "city_code": "220100", "level": text, "lon": None,
                "lat": None}],
        segments=[text])
    html = render.build_map(data, render.MapOptions(metric="key_targets")).get_root().render()
    assert "Z49Z" not in html
    assert "<img src=x" not in html and "<script>alert" not in html
    import html as html_lib

    assert f"项目 · {html_lib.escape(text)}（1）" in js_strings(html)


def test_only_verbatim_elements_carry_data():
    """folium elements compile their rendered output as a Jinja template; only the map
    itself, its tiles (configuration) and fit_bounds (numbers) may still do that. A new folium
    element with user text in it (a Marker, a Tooltip, a Popup) fails here."""
    import folium

    from maps.layers import RawRender

    data = render.MapData(projects=[project(city_code="220100")], segments=["高端芯片"])
    m = render.build_map(data, render.MapOptions(tiles="amap"))

    def walk(element):
        yield element
        for child in element._children.values():
            yield from walk(child)

    compiled = {type(e) for e in walk(m) if not isinstance(e, RawRender)}
    assert compiled <= {folium.Map, folium.TileLayer, folium.FitBounds}, compiled


def test_the_map_colours_every_stage_the_crm_has():
    """maps/ cannot import crm.rules, so its stage colours (and the synthetic projects'
    stages) are checked against the CRM's vocabulary here."""
    assert list(render.STAGE_COLOURS) == list(rules.STAGES)
    assert set(synthetic.projects(200).stage) <= set(rules.STAGES)
    line = float(rules.DEFAULT_CASE_BY_CASE_LINE_WAN)
    df = synthetic.projects(200)
    assert (df.case_by_case == (df.planned_investment_wan >= line)).all()
