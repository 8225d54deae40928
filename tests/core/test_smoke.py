def test_login_required_redirects(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_home_after_login(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 200
    assert "工作台" in response.get_data(as_text=True)
