"""Forms accept amounts as import does (issue 16): 12亿, 1.5亿元, ５０００万 in the project,
enterprise and 一事一议-line forms; a re-shown form displays what was understood in 万元."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import select

from crm.models import Enterprise, Project
from crm.services import projects as project_service
from tests.web.test_forms import PROJECT_FORM, enterprise_form, field_error


def test_project_amounts_as_people_write_them(staff_client, db):
    response = staff_client.post("/projects/new", data=PROJECT_FORM | {
        "planned_investment_wan": "12亿", "actual_investment_wan": "1.5亿元",
        "equipment_investment_wan": "５０００万"})
    assert response.status_code == 302, response.get_data(as_text=True)
    project = db.exec(select(Project).where(Project.name == PROJECT_FORM["name"])).one()
    assert project.planned_investment_wan == Decimal("120000")
    assert project.actual_investment_wan == Decimal("15000")
    assert project.equipment_investment_wan == Decimal("5000")
    assert project.case_by_case  # 12亿 ≥ 10亿: the rule judged the understood amount


def test_rejected_form_shows_the_amount_understood_in_wan(staff_client, db):
    response = staff_client.post("/projects/new", data=PROJECT_FORM | {
        "planned_investment_wan": "3.2亿", "name": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="planned_investment_wan"[^>]*>', html).group(0)
    assert 'value="32000"' in field, field
    assert db.exec(select(Project)).all() == []


def test_unreadable_amount_is_kept_and_named(staff_client, db):
    response = staff_client.post("/projects/new", data=PROJECT_FORM | {
        "planned_investment_wan": "若干"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "planned_investment_wan").startswith("计划投资额（万元）：")
    assert 'value="若干"' in html  # what was typed survives the error


def test_enterprise_revenue_in_yi(staff_client, db):
    response = staff_client.post("/enterprises/new", data=enterprise_form(revenue_wan="2.5亿"))
    assert response.status_code == 302, response.get_data(as_text=True)
    ent = db.exec(select(Enterprise).where(Enterprise.name == "宁波某光电有限公司")).one()
    assert ent.revenue_wan == Decimal("25000")


def test_case_by_case_line_in_yi(client_as, db):
    admin = client_as("admin")
    assert admin.post("/admin/settings", data={"line_wan": "8亿"}).status_code == 302
    assert project_service.case_by_case_line_wan(db) == Decimal("80000")
    html = admin.get("/admin/settings").get_data(as_text=True)
    assert 'value="80000"' in html
