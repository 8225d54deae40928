"""Upload → preview → confirm → status sheet, and the merge page."""

import io
import re

from io_helpers import xlsx_bytes
from openpyxl import load_workbook
from sqlmodel import func, select

from crm.models import AuditLog, Contact, Enterprise, FollowUp, Project
from crm.services.enterprises import create_enterprise
from crm.services.followups import create_followup
from crm.services.projects import create_project

ROWS = [
    ["企业名称", "所在城市", "营业收入"],
    ["网页导入甲公司", "长春", "5000万"],
    ["网页导入乙公司", "吉林", "一些"],
    [None, None, None],
    ["吉林华微电子股份有限公司", "吉林", None],
]


def _upload(client, tmp_path, rows=ROWS):
    data = xlsx_bytes(rows, tmp_path / "up.xlsx")
    return client.post("/import", data={"kind": "enterprises",
                                        "file": (io.BytesIO(data), "网页名录.xlsx")},
                       content_type="multipart/form-data")


def _count(db):
    return db.exec(select(func.count()).select_from(Enterprise)).one()


def test_upload_preview_confirm_and_status_sheet(app, db, staff_client, tmp_path):
    assert staff_client.get("/import").status_code == 200
    before = _count(db)
    response = _upload(staff_client, tmp_path)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    token = re.search(r"/import/([\w-]+)", preview_url).group(1)
    page = staff_client.get(preview_url).get_data(as_text=True)
    assert "导入预览" in page and "可导入" in page and "有错误，未导入" in page
    assert "已存在，未重复导入" in page and "营业收入" in page
    assert _count(db) == before  # nothing written before confirming

    status = staff_client.get(f"/import/{token}/status.xlsx")
    ws = load_workbook(io.BytesIO(status.data)).active
    assert [c.value for c in ws[1]][-2:] == ["导入结果", "说明"]
    assert ws["D2"].value == "可导入" and ws["D3"].value == "有错误，未导入"
    assert ws["A5"].value == "吉林华微电子股份有限公司"  # blank row 4 kept in place
    assert ws["D5"].value == "已存在，未重复导入"

    done = staff_client.post(f"/import/{token}/confirm", data={})
    assert done.status_code == 302
    assert _count(db) == before + 1
    page = staff_client.get(preview_url).get_data(as_text=True)
    assert "导入结果" in page and "已导入 1 行" in page
    again = staff_client.post(f"/import/{token}/confirm", data={})  # double submit
    assert again.status_code == 302 and _count(db) == before + 1


def test_other_users_cannot_see_an_upload(app, staff_client, client_as, tmp_path):
    url = _upload(staff_client, tmp_path).headers["Location"]
    other = client_as("staff")
    assert other.get(url).status_code == 404
    assert client_as("viewer").get("/import").status_code == 403


def test_bad_upload_is_refused(staff_client):
    response = staff_client.post("/import", data={
        "kind": "enterprises", "file": (io.BytesIO(b"x"), "a.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 200 and "只支持" in response.get_data(as_text=True)


def test_merge_keeps_everything(app, db, staff_client, staff):
    keep = create_enterprise(session=db, user=staff, data={"name": "合并保留有限公司"})
    drop = create_enterprise(session=db, user=staff, data={
        "name": "合并保留股份有限公司", "credit_code": "914403001922038216", "city": "长春",
        "notes": "旧备注", "contacts": [{"name": "李四", "phone": "139"}]})
    create_enterprise  # noqa: B018
    project = create_project(session=db, user=staff, data={"name": "被并项目",
                                                           "enterprise_id": drop.id})
    create_followup(session=db, user=staff, data={"enterprise_id": drop.id, "date": "2024-03-05",
                                                  "summary": "电话联系"})
    page = staff_client.get(f"/enterprises/merge?keep={keep.id}").get_data(as_text=True)
    assert "合并保留股份有限公司" in page  # offered as a possible duplicate
    response = staff_client.post("/enterprises/merge",
                                 data={"keep_id": keep.id, "drop_id": drop.id})
    assert response.status_code == 302
    db.expire_all()
    kept = db.get(Enterprise, keep.id)
    assert kept.credit_code == "914403001922038216" and kept.city_code == "220100"
    assert "旧备注" in kept.notes
    assert db.get(Enterprise, drop.id).deleted_at is not None
    assert db.get(Project, project.id).enterprise_id == keep.id
    assert db.exec(select(FollowUp).where(FollowUp.enterprise_id == keep.id)).one()
    assert db.exec(select(Contact).where(Contact.enterprise_id == keep.id)).one().name == "李四"
    merges = db.exec(select(AuditLog).where(AuditLog.action == "merge")).all()
    assert {m.object_id for m in merges} == {keep.id, drop.id}
    self_merge = staff_client.post("/enterprises/merge",
                                   data={"keep_id": keep.id, "drop_id": keep.id})
    assert "不能把企业与自己合并" in self_merge.get_data(as_text=True)
