"""Two lists whose page and export disagreed: the follow-ups filtered by kind (a 500,
and 跟进方式：visit), and the 一事一议 docket's case status (ignored by the export)."""

from __future__ import annotations

import io
from decimal import Decimal
from html import unescape

from openpyxl import load_workbook

from crm.db import session_scope
from crm.services import projects


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.data[:300]
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(
        min_row=3, values_only=True))


def test_followups_filtered_by_kind_list_describe_and_export(staff_client, make_project,
                                                              make_followup):
    user = staff_client.user
    project = make_project(user)
    make_followup(user, project_id=project.id, kind="visit", summary="上门拜访")
    make_followup(user, project_id=project.id, kind="call", summary="电话沟通")
    page = staff_client.get("/followups?kind=visit")
    assert page.status_code == 200  # was a 500: the export link's kind was the list's
    html = unescape(page.get_data(as_text=True))
    assert "跟进方式：拜访" in html and "跟进方式：visit" not in html
    assert "上门拜访" in html and "电话沟通" not in html
    assert "/export/followups.xlsx?kind=visit" in html
    rows = _rows(staff_client.get("/export/followups.xlsx?kind=visit"))
    assert [r[6] for r in rows] == ["上门拜访"]  # 跟进内容
    enterprises = unescape(staff_client.get("/enterprises?kind=leader").get_data(as_text=True))
    assert "企业类型：行业领军企业" in enterprises


def test_docket_export_follows_the_case_status_filter(app, staff_client, make_project):
    user = staff_client.user
    big = {"planned_investment_wan": Decimal("200000")}
    pending = make_project(user, name="待提请项目", **big)
    consulting = make_project(user, name="会商中项目", **big)
    with app.app_context(), session_scope() as s:
        projects.set_case_status(session=s, project=projects.get_project(s, consulting.id),
                                 status="consulting", notes="", user=s.merge(user))
    page = unescape(staff_client.get("/case-by-case?case_status=consulting").get_data(
        as_text=True))
    assert "会商中项目" in page and pending.name not in page
    assert "/export/docket.xlsx?case_status=consulting" in page
    exported = load_workbook(io.BytesIO(staff_client.get(
        "/export/docket.xlsx?case_status=consulting").data)).active
    assert "一事一议状态：会商中" in exported["A1"].value
    assert [r[0] for r in exported.iter_rows(min_row=3, values_only=True)] == ["会商中项目"]
    everything = _rows(staff_client.get("/export/docket.xlsx"))
    assert sorted(r[0] for r in everything) == ["会商中项目", "待提请项目"]
    # an unknown status filters nothing, on the page as in the export
    assert len(_rows(staff_client.get("/export/docket.xlsx?case_status=nonsense"))) == 2
