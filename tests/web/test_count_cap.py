"""Long lists (follow-ups, audit) count no further than LIST_COUNT_CAP and say "N+";
every row stays reachable page by page."""

import re

from sqlmodel import select

from crm.models import Project
from crm.queries.paging import paginate
from tests.perf.conftest import counting_queries


def test_follow_up_list_beyond_the_cap_says_plus_and_pages_on(app, staff_client, make_project,
                                                              make_followup):
    app.config.update(LIST_COUNT_CAP=3, PAGE_SIZE=2)
    project = make_project(staff_client.user)
    for day in range(1, 6):
        make_followup(staff_client.user, project_id=project.id, date=f"2026-01-0{day}",
                      summary=f"第{day}次沟通")
    for query in ("", "q=沟通&"):  # a keyword is counted first (list_page)
        html = staff_client.get(f"/followups?{query}").get_data(as_text=True)
        assert "共 3+ 条" in html
        seen = []
        for page in (1, 2, 3):
            html = staff_client.get(f"/followups?{query}page={page}").get_data(as_text=True)
            seen += re.findall(r"第(\d)次沟通", html.split("<table", 1)[1])  # not the cards
            nxt = re.search(r'<li class="page-item( disabled)?"><a [^>]*>下一页', html)
            assert (nxt.group(1) is None) == (page < 3), (query, page)  # open until the last
        assert sorted(seen) == ["1", "2", "3", "4", "5"], query


def _live():
    return select(Project).where(Project.deleted_at.is_(None)).order_by(Project.id)


def test_under_the_cap_the_count_is_exact(db, app, staff, make_project):
    for i in range(3):
        make_project(staff, name=f"项目{i}")
    page = paginate(db, _live(), page=1, per_page=2, count_cap=3)
    assert (page.total, page.capped, page.pages) == (3, False, 2)
    page = paginate(db, _live(), page=1, per_page=2, count_cap=2)
    assert (page.total, page.capped, len(page.items)) == (2, True, 2)


def test_a_last_page_needs_no_count(db, app, staff, make_project):
    """A page that is not full ends the list: its total is known without a count.
    A full page, or one past the end, still counts."""
    for i in range(5):
        make_project(staff, name=f"项目{i}")
    cases = [  # (page, per_page) → (total, rows, statements sent)
        ((1, 2), (5, 2, 2)),
        ((3, 2), (5, 1, 1)),
        ((1, 10), (5, 5, 1)),
        ((1, 5), (5, 5, 2)),
        ((4, 2), (5, 0, 2)),
    ]
    for (number, size), expected in cases:
        with counting_queries(app) as statements:
            page = paginate(db, _live(), page=number, per_page=size)
        assert (page.total, len(page.items), len(statements)) == expected, (number, size)
    assert paginate(db, _live().where(Project.name == "无此项目"), page=1, per_page=2).total == 0
