"""One list, one count: its page, the API and its export count it the same way
(crm.queries.list_page and count_rows), with the same cap for a long list."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import select

from crm import queries
from crm.models import AuditLog
from tests.api.api_helpers import ApiClient, token_for


@pytest.fixture
def five_followups(staff_client, make_project, make_followup):
    project = make_project(staff_client.user)
    for day in range(1, 6):
        make_followup(staff_client.user, project_id=project.id, date=f"2026-01-0{day}",
                      summary=f"第{day}次沟通")
    return project


def _page_total(client, url: str) -> str:
    return re.search(r"共 (\d+\+?) 条", client.get(url).get_data(as_text=True)).group(1)


@pytest.mark.parametrize("query", ["", "q=沟通"])  # a keyword is counted first
def test_api_and_page_count_to_the_same_cap(app, staff_client, five_followups, query):
    api = ApiClient(app.test_client(), token_for(app, staff_client.user), staff_client.user)
    app.config.update(LIST_COUNT_CAP=3, PAGE_SIZE=2)
    body = api.get(f"/api/v1/followups?per_page=2&{query}").get_json()
    assert _page_total(staff_client, f"/followups?{query}") == "3+"
    assert (body["total"], body["total_capped"], len(body["items"])) == (3, True, 2)

    app.config.update(LIST_COUNT_CAP=10)
    body = api.get(f"/api/v1/followups?per_page=2&{query}").get_json()
    assert _page_total(staff_client, f"/followups?{query}") == "5"
    assert (body["total"], body["total_capped"]) == (5, False)


def test_a_short_list_is_never_capped(app, staff_client, make_enterprise):
    """Enterprises are not a long list: however small the cap, both count them all."""
    for i in range(5):
        make_enterprise(staff_client.user, name=f"长春瑞雪{i}有限公司")
    api = ApiClient(app.test_client(), token_for(app, staff_client.user), staff_client.user)
    app.config.update(LIST_COUNT_CAP=3, PAGE_SIZE=2)
    assert _page_total(staff_client, "/enterprises?q=瑞雪") == "5"
    body = api.get("/api/v1/enterprises?per_page=2&q=瑞雪").get_json()
    assert (body["total"], body["total_capped"]) == (5, False)


def _exported(app, client, db, url: str) -> tuple[int, int]:
    """(data rows in the CSV, rows the audit log says were exported)."""
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    db.expire_all()
    entry = db.exec(select(AuditLog).where(AuditLog.action == "export")
                    .order_by(AuditLog.id.desc())).first()
    return len(rows) - 1, int(re.search(r"，(\d+) 行", entry.summary).group(1))


@pytest.mark.parametrize("query", ["", "q=沟通", "q=第3次沟通", "q=沟通&date_from=2026-01-03"])
def test_export_counts_as_the_list(app, db, staff_client, five_followups, query):
    api = ApiClient(app.test_client(), token_for(app, staff_client.user), staff_client.user)
    listed = api.get(f"/api/v1/followups?{query}").get_json()["total"]
    assert _page_total(staff_client, f"/followups?{query}") == str(listed)
    assert _exported(app, staff_client, db, f"/export/followups.csv?{query}") == (listed, listed)


CASES = [queries.EnterpriseFilters(), queries.EnterpriseFilters(q="光电"),
         queries.EnterpriseFilters(q="光电科技"), queries.EnterpriseFilters(q="光", deleted=True),
         queries.EnterpriseFilters(q="光电", jizhe=True), queries.ProjectFilters(q="光电"),
         queries.FollowUpFilters(q="沟通"), queries.FollowUpFilters(q="无此记录")]


@pytest.mark.parametrize("flt", CASES, ids=repr)
def test_count_rows_is_the_pages_count(db, staff, make_enterprise, make_project, make_followup,
                                       flt):
    """Every counting path (from the keyword's index, the bin, other filters) gives an
    export the total its pages show."""
    from crm.services import enterprises

    for i in range(6):
        ent = make_enterprise(staff, name=f"{'长春光电科技' if i % 2 else '白山精密'}{i}有限公司",
                              jizhe=i < 3)
        project = make_project(staff, name=f"光电项目{i}", enterprise_id=ent.id)
        make_followup(staff, project_id=project.id, summary=f"第{i}次沟通")
        if i in (1, 2):
            enterprises.delete_enterprise(session=db, enterprise=db.merge(ent), user=staff)
    assert queries.count_rows(db, flt) == queries.list_page(db, flt, per_page=2).total


def test_the_filter_class_says_whether_its_list_is_capped(app):
    with app.app_context():
        app.config.update(LIST_COUNT_CAP=7)
        assert queries.count_cap(queries.FollowUpFilters()) == 7
        assert queries.count_cap(queries.ProjectFilters()) is None
    assert queries.count_cap(queries.FollowUpFilters()) == queries.lists.DEFAULT_COUNT_CAP
