import pytest

from tests.conftest import PASSWORD


def test_login_required_redirects(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_home_after_login(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 200
    assert "工作台" in response.get_data(as_text=True)


@pytest.mark.parametrize("target, expected", [
    ("/projects", "/projects"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_redirects_only_to_this_host(client, make_user, target, expected):
    user = make_user("staff")
    r = client.post(f"/login?next={target}", data={"username": user.username,
                                                    "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == expected
