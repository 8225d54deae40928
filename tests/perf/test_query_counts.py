"""Lists send a fixed number of SQL statements, whatever the page size: no query
per row. Timing belongs to bench/, not here; these only count."""

from __future__ import annotations

import pytest

from tests.perf.conftest import counting_queries

# Generous bound: a list page reads the current user, the page, its count, and
# a handful of look-ups (users, divisions, segments, related rows by id).
MAX_QUERIES = 20

PAGES = [
    "/enterprises",
    "/enterprises?q=光电",
    "/enterprises?q=光电科技&city_code=220100",
    "/projects",
    "/projects?q=光电项目&stage=lead",
    "/projects?jizhe=1&sort=-planned",
    "/followups",
    "/followups?overdue=1",
    "/followups?q=用地指标",
]
API = ["/api/v1/enterprises", "/api/v1/projects", "/api/v1/followups",
       "/api/v1/projects?city_code=220100&q=光电"]


def _queries(app, client, url, **kwargs) -> tuple[int, int]:
    client.get(url, **kwargs)  # warm: first-request set-up is not the list's cost
    with counting_queries(app) as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), response


@pytest.mark.parametrize("url", PAGES)
def test_list_page_queries_do_not_grow_with_page_size(app, populated, client_as, url):
    client = client_as("staff")
    app.config["PAGE_SIZE"] = 5
    small, _ = _queries(app, client, url)
    app.config["PAGE_SIZE"] = 50
    large, response = _queries(app, client, url)
    # 50 rows may hold the whole list, and a last page needs no count (paginate)
    assert large in (small, small - 1), f"{url}: {small} queries for 5 rows, {large} for 50"
    assert small <= MAX_QUERIES, f"{url}: {small} queries"


@pytest.fixture
def token(app, populated):
    from crm.db import session_scope
    from crm.services import users

    with app.app_context(), session_scope() as s:
        return users.create_token(s, user=s.merge(populated[0]), name="perf")


@pytest.mark.parametrize("url", API)
def test_api_list_queries_do_not_grow_with_page_size(app, client, token, url):
    headers = {"Authorization": f"Bearer {token}"}
    sep = "&" if "?" in url else "?"
    small, r1 = _queries(app, client, f"{url}{sep}per_page=5", headers=headers)
    large, r2 = _queries(app, client, f"{url}{sep}per_page=50", headers=headers)
    assert len(r2.get_json()["items"]) > len(r1.get_json()["items"]) or \
        r2.get_json()["total"] <= 5
    assert large in (small, small - 1), f"{url}: {small} queries for 5 rows, {large} for 50"
    assert small <= MAX_QUERIES, f"{url}: {small} queries"
