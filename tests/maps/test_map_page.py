"""The /map page, its assets, the standalone export and the CLI command."""

import json
import re

import pytest

from crm import rules
from crm.db import session_scope
from crm.services import enterprises, projects, users
from maps import render

# Every URL a browser would fetch: src/href attributes and CSS url(...).
FETCHED_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


def fetched_urls(html: str) -> list[str]:
    return [a or b for a, b in FETCHED_URL.findall(html)]


def external(html: str) -> set[str]:
    """http(s) URLs anywhere in the page (attributes, CSS, or inside scripts)."""
    return set(re.findall(r"https?://[^\s\"'<>)\\]+", html))


@pytest.fixture
def make_project(app):
    """Factory: make_project(name, city_code, lon=..., lat=..., stage=...) → id."""
    with app.app_context(), session_scope() as session:
        owner = users.create_user(session, username="mapper", password="Test-Passw0rd!",
                                  role="staff")
        owner_id = owner.id

    def make(name: str, city_code: str | None = None, **fields) -> int:
        with app.app_context(), session_scope() as session:
            user = users.get_by_username(session, "mapper")
            assert user.id == owner_id
            data = {"name": name, "city_code": city_code, "stage": "lead"} | fields
            return projects.create_project(session=session, data=data, user=user).id

    return make


def test_login_required(client):
    response = client.get("/map")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_uses_only_app_served_assets(staff_client, make_project):
    make_project("长春光电项目", "220100", lon=125.3226, lat=43.9065)
    html = staff_client.get("/map").get_data(as_text=True)
    assert "/map/assets/leaflet/leaflet.js" in html
    assert "/map/assets/leaflet_markercluster/leaflet.markercluster.js" in html
    assert external(html) == set(), external(html)
    for url in fetched_urls(html):
        assert url.startswith(("/", "#", "data:")) or url.startswith("images/"), url


@pytest.mark.parametrize(("tiles", "config", "host"), [
    ("tianditu", {"TIANDITU_KEY": "k123"}, "https://t{s}.tianditu.gov.cn/"),
    ("amap", {}, "https://webrd0{s}.is.autonavi.com/"),
    ("custom", {"MAP_TILE_URL": "http://tiles.intranet/{z}/{x}/{y}.png"}, "http://tiles.intranet/"),
])
def test_only_external_url_is_the_chosen_tiles(app, staff_client, tiles, config, host):
    app.config.update(MAP_TILES=tiles, **config)
    html = staff_client.get("/map").get_data(as_text=True)
    assert external(html), "tile URL expected"
    assert all(u.startswith(host) for u in external(html)), external(html)


def test_tianditu_without_key_falls_back_to_no_tiles(app, staff_client):
    app.config.update(MAP_TILES="tianditu", TIANDITU_KEY="")
    assert external(staff_client.get("/map").get_data(as_text=True)) == set()


def test_amap_tiles_draw_in_gcj02(app, staff_client, make_project):
    make_project("长春站项目", "220100", lon=125.3226, lat=43.9065)
    html = staff_client.get("/map").get_data(as_text=True)
    assert "[43.9065,125.3226," in html
    app.config.update(MAP_TILES="amap")
    html = staff_client.get("/map").get_data(as_text=True)
    # 125.3291181, 43.9088993 in GCJ-02, shown to 4 decimals
    assert "[43.9089,125.3291," in html and "[43.9065,125.3226," not in html


def test_filters_change_what_is_drawn(staff_client, make_project):
    make_project("四平签约项目", "220300", stage="signed", lon=124.35, lat=43.17)
    make_project("延吉线索项目", "222400", stage="lead")
    everything = staff_client.get("/map").get_data(as_text=True)
    assert "四平签约项目" in everything and "延吉线索项目" in everything
    siping = staff_client.get("/map?city_code=220300").get_data(as_text=True)
    assert "四平签约项目" in siping and "延吉线索项目" not in siping
    signed = staff_client.get("/map?stage=signed").get_data(as_text=True)
    assert "四平签约项目" in signed and "延吉线索项目" not in signed
    assert "共 1 个项目" in signed


def test_city_user_starts_in_their_city(client_as, make_project):
    make_project("四平项目", "220300")
    make_project("延边项目", "222400")
    siping = client_as("city", city_code="220300")
    html = siping.get("/map").get_data(as_text=True)
    assert "四平项目" in html and "延边项目" not in html
    html = siping.get("/map?city_code=").get_data(as_text=True)
    assert "四平项目" in html and "延边项目" in html


def test_recycle_bin_is_not_mapped(staff_client, make_project):
    make_project("在库项目", "220100")
    html = staff_client.get("/map?deleted=1").get_data(as_text=True)
    assert "在库项目" in html


def test_metric_choice_changes_the_legend(staff_client, make_project):
    make_project("项目甲", "220100", planned_investment_wan=150000)
    html = staff_client.get("/map?metric=planned").get_data(as_text=True)
    assert "计划投资额（亿元）" in html
    assert "项目数（个）" in staff_client.get("/map?metric=nonsense").get_data(as_text=True)


def literals(html: str) -> list[str]:
    """String literals in the page's scripts, decoded (folium writes \\uXXXX)."""
    return [json.loads(f'"{m}"') for m in re.findall(r'"((?:[^"\\\n]|\\.)*)"', html)]


def test_the_crms_vocabularies_reach_the_map(staff_client, make_project):
    """maps/ knows no labels of its own: the page passes crm.rules' stages (legend and
    popups) and which stages the "signed" metric counts."""
    make_project("签约项目", "220100", stage="signed", planned_investment_wan=30000)
    make_project("线索项目", "220100", planned_investment_wan=70000)
    html = staff_client.get("/map?metric=signed").get_data(as_text=True)
    strings = literals(html)
    legend = next(s for s in strings if "项目阶段" in s)
    for stage, label in rules.STAGES.items():
        assert f'background:{render.STAGE_COLOURS[stage]}"></i>{label}</div>' in legend
    popups = json.dumps([["lead", "线索", render.STAGE_COLOURS["lead"]]],
                        ensure_ascii=False, separators=(",", ":"))[1:-1]
    assert popups in html
    assert "<b>长春市</b><br>签约项目投资额：3.00 亿元" in strings  # only the signed one


def test_enterprise_kinds_are_labelled(app, staff_client):
    with app.app_context(), session_scope() as session:
        user = users.create_user(session, username="kinds", password="Test-Passw0rd!",
                                 role="staff")
        enterprises.create_enterprise(session=session, user=user, data={
            "name": "领军企业", "kind": "leader", "city_code": "220100",
            "is_key_target": True})
    html = staff_client.get("/map?metric=key_targets").get_data(as_text=True)
    assert rules.ENTERPRISE_KINDS["leader"] in literals(html)


def test_project_names_cannot_break_out_of_the_script(staff_client, make_project):
    make_project("</script><script>alert(1)</script>", "220100")
    html = staff_client.get("/map").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html


def test_assets_are_served_and_confined(client):
    def get(url):
        with client.get(url) as response:  # closes the file send_from_directory opened
            return response.status_code, response.headers, response.get_data()

    status, headers, body = get("/map/assets/leaflet/leaflet.js")
    assert status == 200 and b"Leaflet" in body[:2000]
    assert "max-age" in headers["Cache-Control"]
    assert get("/map/assets/leaflet/images/layers.png")[0] == 200
    assert get("/map/assets/leaflet_markercluster/MarkerCluster.css")[0] == 200
    assert get("/map/assets/os/passwd")[0] == 404
    assert get("/map/assets/leaflet/../../../__init__.py")[0] == 404


def test_export_is_standalone(staff_client, make_project):
    make_project("导出项目", "220200")
    response = staff_client.get("/map/export.html?city_code=220200")
    html = response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    assert "导出项目" in html
    assert "<script src=" not in html and '<link rel="stylesheet" href=' not in html
    css_urls = re.findall(r"url\(\s*[\"']?([^\"')]+)", html)
    assert css_urls and all(u.startswith(("data:", "#")) for u in css_urls), css_urls
    assert "data:image/png;base64," in html  # leaflet.css images inlined
    # No public address configured: a mailed file has no links (test_map_office.py).
    assert "http://localhost" not in html


def test_cli_writes_the_filtered_map(runner, make_project, tmp_path):
    make_project("吉林市项目", "220200")
    make_project("通化项目", "220500")
    out = tmp_path / "map.html"
    result = runner.invoke(args=["map", "-o", str(out), "--city", "220200",
                                 "--base-url", "http://zs.intranet"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "吉林市项目" in html and "通化项目" not in html
    assert "http://zs.intranet/projects/{id}" in html
    assert "已生成" in result.output


def test_every_script_carries_the_csp_nonce(app, staff_client, make_project):
    make_project("项目", "220100")
    app.config["CSP_STRICT_SCRIPTS"] = True
    response = staff_client.get("/map")
    found = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    if not found:
        pytest.skip("the app sets no CSP nonce")
    # Scripts with src are allowed as 'self'; inline ones need the nonce.
    inline = [t for t in re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
              if "src=" not in t]
    assert inline and all(f'nonce="{found.group(1)}"' in t for t in inline), inline
