"""Factories for the web tests: records made through the services, as users make them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.db import session_scope
from crm.models import User
from crm.services import enterprises, followups, projects

# A 统一社会信用代码 whose check digit is right (GB 32100-2015).
GOOD_CREDIT_CODE = "91330100MA2H0TQ058"


@pytest.fixture
def make_enterprise(app):
    def make(user: User, **data):
        data = {"name": "杭州芯光科技有限公司", "province": "浙江省", "city": "杭州市",
                "kind": "leader"} | data
        with app.app_context(), session_scope() as s:
            ent = enterprises.create_enterprise(session=s, data=data, user=s.merge(user))
            s.expunge(ent)
            return ent
    return make


@pytest.fixture
def make_project(app):
    def make(user: User, **data):
        data = {"name": "光电子器件产业化项目", "city_code": "220100",
                "planned_investment_wan": Decimal("5000"), "project_class": "supporting"} | data
        with app.app_context(), session_scope() as s:
            project = projects.create_project(session=s, data=data, user=s.merge(user))
            s.expunge(project)
            return project
    return make


@pytest.fixture
def make_followup(app):
    def make(user: User, **data):
        data = {"kind": "call", "date": "2026-01-05", "summary": "电话沟通投资意向"} | data
        with app.app_context(), session_scope() as s:
            f = followups.create_followup(session=s, data=data, user=s.merge(user))
            s.expunge(f)
            return f
    return make
