"""Long lists (follow-ups, audit) count no further than LIST_COUNT_CAP and say "N+";
every row stays reachable page by page."""

import re

from sqlmodel import select

from crm.models import Project
from crm.services.filters import paginate


def test_follow_up_list_beyond_the_cap_says_plus_and_pages_on(app, staff_client, make_project,
                                                              make_followup):
    app.config.update(LIST_COUNT_CAP=3, PAGE_SIZE=2)
    project = make_project(staff_client.user)
    for day in range(1, 6):
        make_followup(staff_client.user, project_id=project.id, date=f"2026-01-0{day}",
                      summary=f"第{day}次沟通")
    html = staff_client.get("/followups").get_data(as_text=True)
    assert "共 3+ 条" in html
    seen = []
    for page in (1, 2, 3):
        html = staff_client.get(f"/followups?page={page}").get_data(as_text=True)
        seen += re.findall(r"第(\d)次沟通", html)
        nxt = re.search(r'<li class="page-item( disabled)?"><a [^>]*>下一页', html)
        assert (nxt.group(1) is None) == (page < 3), page  # 下一页 is open until the last page
    assert sorted(seen) == ["1", "2", "3", "4", "5"]


def test_under_the_cap_the_count_is_exact(db, app, staff, make_project):
    make_project(staff)
    make_project(staff, name="另一个项目")
    page = paginate(db, select(Project).where(Project.deleted_at.is_(None)), page=1,
                    per_page=50, count_cap=2)
    assert (page.total, page.capped) == (2, False)
    page = paginate(db, select(Project).where(Project.deleted_at.is_(None)), page=1,
                    per_page=50, count_cap=1)
    assert (page.total, page.capped, len(page.items)) == (1, True, 2)
