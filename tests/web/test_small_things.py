"""Small things users notice (issue 20): the favicon, and a location that
names a municipality once ("北京市", not "北京市北京市")."""

from __future__ import annotations

import pytest

from crm.formatting import location
from maps.render import place_name


def test_favicon_is_served_without_login(client):
    with client.get("/favicon.ico") as response:  # closes the sent file
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_pages_link_the_favicon(staff_client):
    assert 'rel="icon" href="/favicon.ico"' in staff_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("province, city, shown", [
    ("北京市", "北京市", "北京市"),
    ("北京", "北京市", "北京市"),
    ("上海市", "上海", "上海市"),
    ("上海市", "上海市浦东新区", "上海市浦东新区"),
    ("吉林省", "吉林市", "吉林省吉林市"),  # a province and a city of the same stem
    ("浙江省", "杭州市", "浙江省杭州市"),
    ("浙江省", None, "浙江省"),
    (None, "杭州市", "杭州市"),
    (None, None, ""),
])
def test_location_names_the_province_once(province, city, shown):
    assert location(province, city) == shown
    assert place_name(province, city) == shown  # the map's popups, same rule


def test_enterprise_pages_show_a_municipality_once(staff_client, staff, make_enterprise):
    ent = make_enterprise(staff, name="北京光芯科技有限公司", province="北京市", city="北京市")
    other = make_enterprise(staff, name="吉林化纤光电有限公司", province="吉林省", city="吉林市")
    for url in ("/enterprises", f"/enterprises/{ent.id}"):
        html = staff_client.get(url).get_data(as_text=True)
        assert "北京市" in html and "北京市北京市" not in html, url
    assert "吉林省吉林市" in staff_client.get(f"/enterprises/{other.id}").get_data(as_text=True)


def test_project_source_shows_a_municipality_once(staff_client, staff, make_project):
    project = make_project(staff, name="北京来源项目", source_province="北京市",
                           source_city="北京市")
    html = staff_client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "北京市" in html and "北京市北京市" not in html
