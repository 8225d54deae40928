"""Template files (download → fill → import), follow-up import, the preview's
understood values and a "-" cell in the status sheet (issue 16)."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlmodel import select

from crm.models import Enterprise, FollowUp, Project
from crm.services.enterprises import create_enterprise
from crm.services.projects import create_project


def _template(client, kind: str):
    response = client.get(f"/import/template/{kind}.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _fill(wb, rows: list[list]) -> bytes:
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, kind: str, data: bytes, name: str = "填好的模板.xlsx") -> str:
    response = client.post("/import", data={"kind": kind, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    return response.headers["Location"]


def _headers(ws) -> list[str]:
    return [c.value for c in ws[2]]


def test_import_page_links_a_template_per_type(staff_client):
    page = staff_client.get("/import").get_data(as_text=True)
    for kind in ("enterprises", "projects", "followups"):
        assert f"/import/template/{kind}.xlsx" in page
    assert staff_client.get("/import/template/nothing.xlsx").status_code == 404


def test_enterprise_template_round_trip(db, staff_client):
    wb = _template(staff_client, "enterprises")
    ws = wb.active
    title = ws["A1"].value
    assert "带 * 的列必填（企业名称）" in title and "万元" in title and "示例" in title
    assert _headers(ws)[:3] == ["序号", "*企业名称", "统一社会信用代码"]
    assert ws["A3"].value == "示例" and ws["B3"].value == "长春示例光电科技有限公司"
    col = {h: i for i, h in enumerate(_headers(ws))}
    row = [None] * len(col)
    row[col["序号"]], row[col["*企业名称"]] = 1, "模板导入光电有限公司"
    row[col["所在城市"]] = "延边州"
    row[col["营业收入（万元）"]] = "1.2亿"
    preview_url = _upload(staff_client, "enterprises", _fill(wb, [row]))
    page = staff_client.get(preview_url).get_data(as_text=True)
    assert "示例行，已忽略" in page and "1.2亿 → 12000 万元" in page
    token = re.search(r"/import/([\w-]+)", preview_url).group(1)
    staff_client.post(f"/import/{token}/confirm", data={})
    made = db.exec(select(Enterprise).where(Enterprise.name == "模板导入光电有限公司")).one()
    assert made.city_code == "222400" and made.city == "延边朝鲜族自治州"
    assert db.exec(select(Enterprise).where(
        Enterprise.name == "长春示例光电科技有限公司")).first() is None  # the example


def test_project_template_round_trip(db, staff_client):
    wb = _template(staff_client, "projects")
    col = {h: i for i, h in enumerate(_headers(wb.active))}
    row = [None] * len(col)
    row[col["*项目名称"]], row[col["落地市（州）"]] = "模板导入项目", "长春"
    row[col["阶段"]], row[col["计划投资额（万元）"]] = "洽谈中", "约2亿"
    preview_url = _upload(staff_client, "projects", _fill(wb, [row]))
    page = staff_client.get(preview_url).get_data(as_text=True)
    assert "约2亿 → 20000 万元（约数）" in page and "洽谈中 → 洽谈" in page
    token = re.search(r"/import/([\w-]+)", preview_url).group(1)
    staff_client.post(f"/import/{token}/confirm", data={})
    made = db.exec(select(Project).where(Project.name == "模板导入项目")).one()
    assert made.stage == "negotiation" and made.city_code == "220100"
    example = select(Project).where(Project.name == "示例光电器件生产基地项目")
    assert db.exec(example).first() is None


def test_followup_template_round_trip(db, staff_client, staff):
    ent = create_enterprise(session=db, data={"name": "跟进导入测试有限公司"}, user=staff)
    create_project(session=db, user=staff, data={"name": "跟进导入项目", "city_code": "220100",
                                                 "enterprise_id": ent.id})
    create_project(session=db, user=staff, data={"name": "跟进导入项目", "city_code": "220200"})
    wb = _template(staff_client, "followups")
    assert "项目和企业至少填写一个" in wb.active["A1"].value
    col = {h: i for i, h in enumerate(_headers(wb.active))}

    def row(**values):
        out = [None] * len(col)
        for header, value in values.items():
            out[col[header]] = value
        return out

    rows = [
        row(项目="跟进导入项目", 企业="跟进导入测试有限公司", **{"*跟进日期": "2024年3月5日",
            "*跟进内容": "赴企业洽谈", "跟进方式": "拜访", "下一步工作": "报送用地需求",
            "下一步截止日期": "2024-04-01"}),
        row(项目="跟进导入项目", **{"落地市（州）": "吉林市", "*跟进日期": "2024-03-06",
                                "*跟进内容": "电话了解进展", "跟进方式": "电话"}),
        row(项目="跟进导入项目", **{"*跟进日期": "2024-03-07", "*跟进内容": "不知是哪个"}),
        row(项目="没有的项目", **{"*跟进日期": "2024-03-07", "*跟进内容": "x"}),
    ]
    preview_url = _upload(staff_client, "followups", _fill(wb, rows))
    page = staff_client.get(preview_url).get_data(as_text=True)
    assert "有2个名为“跟进导入项目”的项目" in page and "没有名为“没有的项目”的项目" in page
    token = re.search(r"/import/([\w-]+)", preview_url).group(1)
    staff_client.post(f"/import/{token}/confirm", data={})
    made = db.exec(select(FollowUp).where(FollowUp.summary.in_(["赴企业洽谈", "电话了解进展"]))
                   .order_by(FollowUp.date)).all()
    assert [(f.kind, f.date) for f in made] == [("visit", dt.date(2024, 3, 5)),
                                                ("call", dt.date(2024, 3, 6))]
    first = db.get(Project, made[0].project_id)
    assert first.enterprise_id == ent.id and made[0].next_step == "报送用地需求"
    assert first.next_due_on == dt.date(2024, 4, 1)  # the project's dates follow
    assert db.get(Project, made[1].project_id).city_code == "220200"
    again = _upload(staff_client, "followups", _fill(_template(staff_client, "followups"),
                                                    rows[:1]))
    assert "同一天已有相同内容的跟进记录" in staff_client.get(again).get_data(as_text=True)


def test_status_sheet_keeps_a_dash(staff_client, tmp_path):
    from io_helpers import xlsx_bytes

    data = xlsx_bytes([["企业名称", "所在城市", "备注"], ["横线备注有限公司", "长春", "-"],
                       ["公式备注有限公司", "长春", "@SUM(A1)"]], tmp_path / "d.xlsx")
    preview_url = _upload(staff_client, "enterprises", data, "d.xlsx")
    token = re.search(r"/import/([\w-]+)", preview_url).group(1)
    ws = load_workbook(io.BytesIO(staff_client.get(f"/import/{token}/status.xlsx").data)).active
    assert ws["C2"].value == "-"
    assert ws["C3"].value == "'@SUM(A1)"  # a formula is still neutralised
