"""The phone cards of the project list: the next step is the newest open follow-up's."""

from __future__ import annotations

import re

from crm.db import session_scope
from crm.models import FollowUp
from crm.services import followups


def card_of(html: str, project_id: int) -> str:
    match = re.search(rf'<div class="card list-card mb-2" data-id="{project_id}">(.*?)</div>\s*'
                      r'</div>\s*</div>', html, re.S)
    assert match, project_id
    return match.group(1)


def test_card_shows_the_newest_open_next_step(app, staff_client, make_project, make_followup):
    user = staff_client.user
    p = make_project(user, name="光电子器件产业化项目")
    quiet = make_project(user, name="暂无跟进的项目")
    make_followup(user, project_id=p.id, date="2026-01-05", next_step="旧的下一步")
    done = make_followup(user, project_id=p.id, date="2026-01-09", next_step="已办完的下一步")
    with app.app_context(), session_scope() as s:
        followups.update_followup(session=s, followup=s.get(FollowUp, done.id),
                                  data={"done": True}, user=s.merge(user))
    make_followup(user, project_id=p.id, date="2026-01-07", next_step="寄送园区资料")
    html = staff_client.get("/projects").get_data(as_text=True)
    card = card_of(html, p.id)
    assert "下一步：寄送园区资料" in card
    assert f"/followups/new?project_id={p.id}" in card  # 添加跟进, the first of two taps
    assert "下一步：—" in card_of(html, quiet.id)


def test_no_add_followup_button_where_the_user_may_not_follow_up(client_as, make_project,
                                                                 make_user):
    p = make_project(make_user("staff"), city_code="220100")
    other_city = client_as("city", city_code="220300")  # may read 长春's projects, not add
    html = other_city.get("/projects?city_code=220100").get_data(as_text=True)
    assert "card-followup" not in card_of(html, p.id)
    html = client_as("city", city_code="220100").get("/projects").get_data(as_text=True)
    assert "card-followup" in card_of(html, p.id)
