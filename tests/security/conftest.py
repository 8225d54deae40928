"""Shared objects for the security tests: one user per role and real records in the
city user's city (220100 长春市) and in another city (220200 吉林市)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from crm.db import session_scope
from crm.models import User
from crm.services import enterprises, followups, projects, users

HOME_CITY = "220100"
OTHER_CITY = "220200"
ROLES = ("admin", "staff", "city", "viewer")


def new_records(app, actor_id: int, tag: str = "") -> dict:
    """An enterprise, a project + follow-up in each city; ids by name."""
    with app.app_context(), session_scope() as s:
        actor = s.get(User, actor_id)
        ent = enterprises.create_enterprise(
            session=s, data={"name": f"测试光电子有限公司{tag}", "province": "浙江省",
                             "city": "杭州市"}, user=actor)
        out = {"enterprise_id": ent.id}
        for key, city in (("home", HOME_CITY), ("other", OTHER_CITY)):
            p = projects.create_project(session=s, data={
                "name": f"{key}项目{tag}", "city_code": city, "enterprise_id": ent.id,
                "stage": "lead", "planned_investment_wan": "5000"}, user=actor)
            f = followups.create_followup(session=s, data={
                "project_id": p.id, "kind": "call", "date": date.today().isoformat(),
                "summary": f"电话沟通{tag}"}, user=actor)
            out[f"{key}_project_id"] = p.id
            out[f"{key}_followup_id"] = f.id
        return out


@dataclass
class World:
    app: object
    users: dict = field(default_factory=dict)  # role → User (detached)
    records: dict = field(default_factory=dict)


@pytest.fixture
def world(app, make_user):
    w = World(app=app)
    for role in ROLES:
        w.users[role] = make_user(role, HOME_CITY if role == "city" else None)
    w.records = new_records(app, w.users["staff"].id)
    return w


def token_for(app, user_id: int) -> str:
    with app.app_context(), session_scope() as s:
        return users.create_token(s, user=s.get(User, user_id), name="test")
