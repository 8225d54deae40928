"""Helpers for the performance-shape tests: count the SQL a request sends."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from crm.db import get_engine, session_scope
from crm.services import enterprises, followups, projects


@contextmanager
def counting_queries(app):
    """Yields a list that collects every statement sent on the app's engine."""
    with statements_sent(get_engine(app)) as statements:
        yield statements


@contextmanager
def statements_sent(engine):
    """Yields a list that collects every statement sent on ``engine``."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def populated(app, make_user):
    """60 enterprises, 60 projects (two cities, several stages), 60 follow-ups,
    owned by several users: enough rows that a query per row would show."""
    owners = [make_user("staff") for _ in range(3)]
    with app.app_context(), session_scope() as s:
        user = s.merge(owners[0])
        ents = []
        for i in range(60):
            ents.append(enterprises.create_enterprise(session=s, user=user, data={
                "name": f"长春光电科技{i:02d}有限公司" if i % 2 else f"杭州微电子{i:02d}有限公司",
                "province": "吉林省" if i % 2 else "浙江省",
                "city": "长春市" if i % 2 else "杭州市",
                "owner_id": owners[i % 3].id,
                "contacts": [{"name": f"联系人{i}"}]}))
        projs = []
        for i, ent in enumerate(ents):
            projs.append(projects.create_project(session=s, user=user, data={
                "name": f"光电项目{i:02d}", "enterprise_id": ent.id,
                "city_code": "220100" if i % 2 else "220200",
                "stage": ["lead", "contact", "visit", "negotiation"][i % 4],
                "planned_investment_wan": 5000 + i * 3000, "owner_id": owners[i % 3].id,
                "attraction_mode": "jizhe" if i % 3 == 0 else "professional",
                "source_province": ent.province}))
        for i, proj in enumerate(projs):
            followups.create_followup(session=s, user=user, data={
                "project_id": proj.id, "kind": "call",
                "date": date.today() - timedelta(days=i),
                "next_due": date.today() - timedelta(days=1) if i % 2 else None,
                "summary": f"沟通用地指标第{i}次"})
    return owners
