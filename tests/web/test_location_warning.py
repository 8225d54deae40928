"""A project whose point lies outside its chosen 市/州 is saved, with a clear warning."""

from crm.services import projects
from tests.api.api_helpers import ApiClient, token_for

CHANGCHUN_STATION = (125.3226, 43.9065)  # WGS-84, in 长春市 (220100)


def make(db, staff, city_code):
    lon, lat = CHANGCHUN_STATION
    return projects.create_project(session=db, user=staff, data={
        "name": "坐标核对项目", "city_code": city_code, "lon": lon, "lat": lat})


def test_point_outside_chosen_city_warns_on_page_and_api(db, staff, staff_client, app):
    p = make(db, staff, "222400")  # 延边 chosen, point in 长春
    assert p.city_code == "222400"  # saved as chosen
    page = staff_client.get(f"/projects/{p.id}").get_data(as_text=True)
    assert 'id="location-warning"' in page and "位于长春市" in page and "延边" in page
    api = ApiClient(app.test_client(), token_for(app, staff), staff)
    body = api.get(f"/api/v1/projects/{p.id}").get_json()
    assert "位于长春市" in body["location_warning"]


def test_matching_point_gives_no_warning(db, staff, staff_client):
    p = make(db, staff, "220100")
    page = staff_client.get(f"/projects/{p.id}").get_data(as_text=True)
    assert 'id="location-warning"' not in page
    assert projects.location_warning(p) is None


def test_point_without_city_takes_the_prefecture(db, staff):
    lon, lat = CHANGCHUN_STATION
    p = projects.create_project(session=db, user=staff, data={
        "name": "只填坐标", "lon": lon, "lat": lat})
    assert p.city_code == "220100"
