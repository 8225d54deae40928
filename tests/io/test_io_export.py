"""Exports: what the filters show, office layout, neutralised formulas, round trip."""

import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from io_helpers import credit_code
from openpyxl import load_workbook
from sqlmodel import select

from crm import create_app
from crm.db import get_engine, session_scope
from crm.models import AuditLog, Contact, Enterprise
from crm.services import users
from crm.services.enterprises import create_enterprise
from crm.services.importing import run_import
from crm.services.projects import create_project

CODE = credit_code("91220101MA17XK3C0")


def _data(db, user):
    a = create_enterprise(session=db, user=user, data={
        "name": "=HYPERLINK(\"http://evil\",\"点我\")", "credit_code": CODE, "city": "长春",
        "revenue_wan": Decimal("1234.5"), "is_key_target": True,
        "contacts": [{"name": "@张三", "phone": "+86 13800000000", "title": "-经理"}]})
    b = create_enterprise(session=db, user=user, data={"name": "延吉测试电子有限公司",
                                                        "city": "延边州", "notes": "备注",
        "contacts": [{"name": "王五", "phone": "+86 139"}]})
    create_project(session=db, user=user, data={
        "name": "大项目", "enterprise_id": a.id, "city_code": "220100",
        "planned_investment_wan": Decimal("150000"), "stage": "negotiation"})
    create_project(session=db, user=user, data={
        "name": "浙江线索", "enterprise_id": b.id, "city_code": "222400",
        "source_province": "浙江", "planned_investment_wan": Decimal("800")})
    return a, b


def _sheet(response):
    assert response.status_code == 200, response.data[:500]
    return load_workbook(io.BytesIO(response.data)).active


def test_export_xlsx_follows_filters_and_neutralises(app, db, staff_client, staff):
    _data(db, staff)
    ws = _sheet(staff_client.get("/export/enterprises.xlsx?city_code=220100&q=HYPER&page=3"))
    title = "重点招商企业名录　筛选条件：关键词：HYPER；城市：长春市　导出时间："
    assert ws["A1"].value.startswith(title)
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["企业名称", "统一社会信用代码", "所在省份"]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1  # only 长春, and every page
    row = dict(zip(headers, rows[0], strict=True))
    assert row["企业名称"] == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert row["联系人"] == "'@张三" and row["电话"] == "'+86 13800000000"
    assert row["职务"] == "'-经理"
    assert row["营业收入（万元）"] == 1234.5
    assert ws.cell(row=3, column=headers.index("营业收入（万元）") + 1).number_format == "#,##0.00"
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    log = db.exec(select(AuditLog).where(AuditLog.action == "export")).one()
    assert "1 行" in log.summary


def test_docket_and_jizhe_exports(db, staff_client, staff):
    _data(db, staff)
    docket = _sheet(staff_client.get("/export/docket.xlsx"))
    assert docket["A1"].value.startswith("一事一议项目台账")
    assert [r[0] for r in docket.iter_rows(min_row=3, values_only=True)] == ["大项目"]
    assert "一事一议备注" in [c.value for c in docket[2]]
    jizhe = _sheet(staff_client.get("/export/jizhe.xlsx"))
    assert [r[0] for r in jizhe.iter_rows(min_row=3, values_only=True)] == ["浙江线索"]
    projects = _sheet(staff_client.get("/export/projects.xlsx?stage=negotiation"))
    headers = [c.value for c in projects[2]]
    row = dict(zip(headers, next(projects.iter_rows(min_row=3, values_only=True)), strict=True))
    assert row["阶段"] == "洽谈" and row["计划投资额（万元）"] == 150000 and row["一事一议"] == "是"
    assert row["落地市（州）"] == "长春市"
    assert staff_client.get("/export/nothing.xlsx").status_code == 404


def test_export_csv_bom_and_neutralised(db, staff_client, staff):
    _data(db, staff)
    response = staff_client.get("/export/enterprises.csv?q=延吉")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "企业名称" and len(rows) == 2
    assert rows[1][0] == "延吉测试电子有限公司" and rows[1][rows[0].index("电话")] == "'+86 139"
    followups = staff_client.get("/export/followups.csv")
    assert followups.status_code == 200 and followups.data.startswith(b"\xef\xbb\xbf")


def test_export_requires_login(client):
    assert client.get("/export/enterprises.xlsx").status_code == 302


def test_round_trip_export_then_import(app, db, staff_client, staff, template_db, tmp_path):
    _data(db, staff)
    full = staff_client.get("/export/enterprises.xlsx").data
    # importing what was exported creates nothing new
    again = run_import(session=db, kind="enterprises", data=full, filename="e.xlsx", user=staff,
                       commit=True)
    assert again.count("created") == 0 and again.rejected == 0
    assert again.header_row == 2 and not again.notes
    # into a fresh database, every field comes back
    if not isinstance(template_db, Path):
        pytest.skip("round trip into a second database is run on SQLite")
    shutil.copy(template_db, tmp_path / "second.db")
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'second.db'}",
                         "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    try:
        with second.app_context(), session_scope() as s2:
            user = users.create_user(s2, username="second", password="Test-Passw0rd!",
                                     role="staff")
            report = run_import(session=s2, kind="enterprises", data=full, filename="e.xlsx",
                                user=user, commit=True)
            assert report.rejected == 0 and report.count("created") == 2, report.rows
            back = s2.exec(select(Enterprise).where(Enterprise.credit_code == CODE)).one()
            assert back.name == "=HYPERLINK(\"http://evil\",\"点我\")"  # neutraliser undone
            assert back.city_code == "220100" and back.revenue_wan == Decimal("1234.50")
            assert back.is_key_target
            contact = s2.exec(select(Contact).where(Contact.enterprise_id == back.id)).one()
            assert (contact.name, contact.title, contact.phone) == ("@张三", "-经理",
                                                                    "+86 13800000000")
            yanji = s2.exec(select(Enterprise).where(Enterprise.name == "延吉测试电子有限公司")
                            ).one()
            assert yanji.city_code == "222400" and yanji.notes == "备注"
    finally:
        get_engine(second).dispose()
