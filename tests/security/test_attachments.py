"""附件 on every record type: upload and download through the pages and the API, the
type and size limits, the download headers, who may do what, the audit trail, and
backup/restore keeping the files. Real database, real files under the instance folder."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import select

from crm.db import session_scope
from crm.models import Attachment, AuditLog, Enterprise, User
from crm.services import dedupe, enterprises, history, users
from tests.conftest import login
from tests.core.test_filetypes import HTML, PDF, PNG, SVG, ooxml
from tests.security.conftest import token_for

NAME = "投资协议（签字版）.pdf"


def client_of(app, world, role: str):
    c = app.test_client()
    assert login(c, world.users[role].username).status_code == 302
    return c


def bearer(app, world, role: str) -> dict:
    return {"Authorization": f"Bearer {token_for(app, world.users[role].id)}"}


def upload(c, url: str, data: bytes, name: str, headers=None, **form):
    fields = {"category": "投资协议", "note": "测试"} | form
    body, content_type = multipart(fields, name, data)
    return c.post(url, data=body, headers=headers or {}, content_type=content_type)


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body built here: the test client would spool a large one to a
    temporary file that it does not close."""
    boundary = "----zhaoshang-attachment-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + data + b"\r\n")
    return (b"".join(parts) + f"--{boundary}--\r\n".encode(),
            f"multipart/form-data; boundary={boundary}")


def fetch(c, url: str, **kwargs):
    """GET, read and close: a file download holds its file open until closed."""
    response = c.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "attachments"
    return [p for p in root.glob("??/*") if p.is_file()] if root.exists() else []


def rows(app) -> list[Attachment]:
    with app.app_context(), session_scope() as s:
        found = list(s.exec(select(Attachment).order_by(Attachment.id)))
        for a in found:
            s.expunge(a)
        return found


def audit_actions(app, object_type: str, object_id: int) -> list[str]:
    with app.app_context(), session_scope() as s:
        return [e.action for e in s.exec(select(AuditLog).where(
            AuditLog.object_type == object_type, AuditLog.object_id == object_id)
            .order_by(AuditLog.id))]


# --- pages -------------------------------------------------------------------------

@pytest.mark.parametrize(("record_type", "key"), [
    ("enterprises", "enterprise_id"), ("projects", "home_project_id"),
    ("followups", "home_followup_id")])
def test_web_round_trip_on_every_record_type(app, world, record_type, key):
    c = client_of(app, world, "staff")
    record_id = world.records[key]
    base = f"/{record_type}/{record_id}/attachments"
    r = upload(c, base, PDF, NAME)
    assert r.status_code == 303 and r.headers["Location"].endswith(
        f"/{record_type}/{record_id}#attachments")
    page = c.get(f"/{record_type}/{record_id}").get_data(as_text=True)
    assert "附件（1）" in page and NAME in page and "投资协议" in page
    assert 'enctype="multipart/form-data"' in page  # staff may upload here
    [row] = rows(app)
    assert (row.record_type, row.record_id, row.category) == (record_type, record_id,
                                                              "investment_agreement")
    assert row.sha256 == hashlib.sha256(PDF).hexdigest() and row.size == len(PDF)
    assert row.stored_name not in NAME and stored_files(app)[0].name == row.stored_name

    r = fetch(c, f"{base}/{row.id}")
    assert r.status_code == 200 and r.data == PDF
    assert_download_headers(r, NAME, "application/pdf")

    r = c.post(f"{base}/{row.id}/delete")
    assert r.status_code == 303
    assert "附件（0）" in c.get(f"/{record_type}/{record_id}").get_data(as_text=True)
    assert fetch(c, f"{base}/{row.id}").status_code == 404
    assert stored_files(app), "soft delete keeps the file for the audit trail and backups"


def assert_download_headers(r, name: str, mime: str) -> None:
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition  # RFC 5987, Chinese intact
    assert r.headers["Content-Type"] == mime
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert "no-store" in r.headers["Cache-Control"]


def test_several_files_at_once_each_judged_alone(app, world):
    c = client_of(app, world, "staff")
    base = f"/projects/{world.records['home_project_id']}/attachments"
    r = c.post(base, content_type="multipart/form-data", follow_redirects=True, data={
        "file": [(io.BytesIO(PDF), "合同.pdf"), (io.BytesIO(HTML), "假合同.pdf"),
                 (io.BytesIO(PNG), "现场.png")], "category": "site_photo"})
    page = r.get_data(as_text=True)
    assert "已上传附件“合同.pdf”" in page and "已上传附件“现场.png”" in page
    assert "文件“假合同.pdf”" in page and "不允许上传" in page
    assert sorted(a.filename for a in rows(app)) == ["合同.pdf", "现场.png"]


@pytest.mark.parametrize(("data", "name", "words"), [
    (HTML, "合同.pdf", "网页"),                 # HTML named .pdf
    (SVG, "现场照片.png", "网页"),              # SVG named .png
    (PNG, "会议纪要.pdf", "扩展名 .pdf 与内容（PNG 图片）不符"),
    (PDF, "合同.html", "不允许的文件类型"),
    (b"MZ\x90\x00" + b"\x00" * 64, "setup.exe", "不允许的文件类型"),
    (ooxml("wordprocessingml.document"), "表.xlsx", "与内容（Word 文档）不符"),
    (b"", "空.pdf", "空文件"),
])
def test_lying_or_forbidden_files_are_refused(app, world, data, name, words):
    c = client_of(app, world, "staff")
    base = f"/projects/{world.records['home_project_id']}/attachments"
    assert upload(c, base, data, name).status_code == 303
    page = c.get(f"/projects/{world.records['home_project_id']}").get_data(as_text=True)
    assert f"文件“{name}”" in page and words in page, page[:3000]
    assert rows(app) == [] and stored_files(app) == []
    r = upload(app.test_client(), f"/api/v1{base}", data, name,
               headers=bearer(app, world, "staff"))
    assert r.status_code == 422 and words in r.get_json()["fields"]["file"]
    assert name in r.get_json()["fields"]["file"]


def test_oversize_is_refused_in_chinese_and_nothing_kept(app, world):
    app.config["ATTACHMENT_MAX_MB"] = 1
    base = f"/api/v1/projects/{world.records['home_project_id']}/attachments"
    big = PDF + b"0" * (1024 * 1024)
    r = upload(app.test_client(), base, big, "大文件.pdf", headers=bearer(app, world, "staff"))
    assert r.status_code == 422
    assert r.get_json()["fields"]["file"] == (
        "文件“大文件.pdf”：超过大小上限 1.0 MB，请压缩或拆分后再上传")
    assert rows(app) == [] and stored_files(app) == []
    assert not list((Path(app.instance_path) / "attachments" / ".incoming").iterdir())
    c = client_of(app, world, "staff")
    upload(c, base.removeprefix("/api/v1"), big, "大文件.pdf")
    page = c.get(f"/projects/{world.records['home_project_id']}").get_data(as_text=True)
    assert "超过大小上限 1.0 MB" in page and "单个文件不超过 1.0 MB" in page


def test_bad_category_and_note_name_their_field(app, world):
    base = f"/api/v1/projects/{world.records['home_project_id']}/attachments"
    r = upload(app.test_client(), base, PDF, "a.pdf", headers=bearer(app, world, "staff"),
               category="发票", note="长" * 501)
    assert r.status_code == 422
    fields = r.get_json()["fields"]
    assert fields["category"].startswith("类别：应为 合同、投资协议")
    assert fields["note"].startswith("说明：不能超过 500 个字符")


# --- API ---------------------------------------------------------------------------

def test_api_round_trip(app, world):
    headers = bearer(app, world, "city")  # a city user, on a project in their city
    api = app.test_client()
    base = f"/api/v1/projects/{world.records['home_project_id']}/attachments"
    csv = "名称,金额（万元）\n长春光电,5000\n".encode("gb18030")
    r = upload(api, base, csv, "到位清单.csv", headers=headers, category="arrival_proof")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["category_label"] == "到位凭证" and body["content_type"] == \
        "text/csv; charset=gb18030"
    assert r.headers["Location"] == body["download_url"]
    listed = api.get(base, headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["filename"] == "到位清单.csv"
    r = fetch(api, body["download_url"], headers=headers)
    assert r.status_code == 200 and r.data == csv
    assert_download_headers(r, "到位清单.csv", "text/csv; charset=gb18030")
    assert api.delete(f"{base}/{body['id']}", headers=headers).status_code == 204
    assert api.get(base, headers=headers).get_json()["total"] == 0
    assert fetch(api, body["download_url"], headers=headers).status_code == 404
    # an unknown record type, a missing record, an attachment of another record
    assert api.get("/api/v1/users/1/attachments", headers=headers).status_code == 404
    assert api.get("/api/v1/projects/999999/attachments", headers=headers).status_code == 404


def test_attachment_is_reached_only_through_its_own_record(app, world):
    headers = bearer(app, world, "staff")
    api = app.test_client()
    home, other = world.records["home_project_id"], world.records["other_project_id"]
    body = upload(api, f"/api/v1/projects/{home}/attachments", PDF, "a.pdf",
                  headers=headers).get_json()
    for url in (f"/api/v1/projects/{other}/attachments/{body['id']}",
                f"/api/v1/enterprises/{home}/attachments/{body['id']}",
                f"/api/v1/projects/{home}/attachments/{body['id'] + 1}"):
        assert fetch(api, url, headers=headers).status_code == 404, url


# --- permissions -------------------------------------------------------------------

def test_who_may_upload_and_delete(app, world):
    home, other = world.records["home_project_id"], world.records["other_project_id"]
    ent = world.records["enterprise_id"]
    staff = bearer(app, world, "staff")
    api = app.test_client()
    on_other = upload(api, f"/api/v1/projects/{other}/attachments", PDF, "a.pdf",
                      headers=staff).get_json()
    on_ent = upload(api, f"/api/v1/enterprises/{ent}/attachments", PDF, "b.pdf",
                    headers=staff).get_json()
    for role, url, allowed in [
        ("viewer", f"/api/v1/projects/{home}/attachments", False),
        ("city", f"/api/v1/projects/{other}/attachments", False),   # another city's project
        ("city", f"/api/v1/enterprises/{ent}/attachments", False),  # enterprises: staff only
        ("city", f"/api/v1/projects/{home}/attachments", True),
    ]:
        r = upload(api, url, PDF, "c.pdf", headers=bearer(app, world, role))
        assert r.status_code == (201 if allowed else 403), (role, url, r.get_json())
        if not allowed:
            assert "不能上传附件" in r.get_json()["error"]
    for role, url in [("viewer", f"/api/v1/projects/{other}/attachments/{on_other['id']}"),
                      ("city", f"/api/v1/projects/{other}/attachments/{on_other['id']}"),
                      ("city", f"/api/v1/enterprises/{ent}/attachments/{on_ent['id']}")]:
        headers = bearer(app, world, role)
        assert api.delete(url, headers=headers).status_code == 403
        assert fetch(api, url, headers=headers).status_code == 200  # reading is every role's
    web = client_of(app, world, "viewer")
    assert web.post(f"/projects/{other}/attachments/{on_other['id']}/delete").status_code == 403
    assert upload(web, f"/projects/{home}/attachments", PDF, "v.pdf").status_code == 403
    page = web.get(f"/projects/{other}").get_data(as_text=True)
    assert "a.pdf" in page and "multipart/form-data" not in page and "/delete\"" not in page
    assert len([a for a in rows(app) if a.deleted_at is None]) == 3


def test_no_download_without_the_right_to_see_the_record(app, world):
    home = world.records["home_project_id"]
    body = upload(app.test_client(), f"/api/v1/projects/{home}/attachments", PDF, "a.pdf",
                  headers=bearer(app, world, "staff")).get_json()
    url = f"/projects/{home}/attachments/{body['id']}"
    r = fetch(app.test_client(), url)  # not signed in
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert fetch(app.test_client(), f"/api/v1{url}").status_code == 401
    viewer = world.users["viewer"]
    headers = bearer(app, world, "viewer")
    web = client_of(app, world, "viewer")
    assert fetch(web, url).status_code == 200
    with app.app_context(), session_scope() as s:  # the account is switched off
        users.set_active(s, user=s.get(User, viewer.id), active=False,
                         actor=s.get(User, world.users["admin"].id))
    assert fetch(app.test_client(), f"/api/v1{url}", headers=headers).status_code == 401
    r = fetch(web, url)
    assert r.status_code == 302 and r.data != PDF


# --- audit -------------------------------------------------------------------------

def test_upload_download_delete_are_audited_on_the_record(app, world):
    home = world.records["home_project_id"]
    c = client_of(app, world, "staff")
    upload(c, f"/projects/{home}/attachments", PDF, NAME)
    [row] = rows(app)
    fetch(c, f"/projects/{home}/attachments/{row.id}")
    c.post(f"/projects/{home}/attachments/{row.id}/delete")
    assert audit_actions(app, "project", home)[-3:] == ["attach", "download", "detach"]
    with app.app_context(), session_scope() as s:
        entry = s.exec(select(AuditLog).where(AuditLog.action == "attach")).one()
        assert entry.username == world.users["staff"].username
        assert NAME in entry.summary and row.sha256[:16] in entry.summary
        assert entry.changes == {"attachment": [None, NAME]}
        shown = history.history(s, "project", home)
    actions = [h.action for h in shown]
    assert "上传附件" in actions and "删除附件" in actions
    assert "下载附件" not in actions  # reading is not a change
    assert ("附件", "—", NAME) in shown[actions.index("上传附件")].rows
    page = c.get("/admin/audit?object_type=project").get_data(as_text=True)
    assert "上传附件" in page and "下载附件" in page


# --- backup and restore ------------------------------------------------------------

def test_backup_and_restore_keep_the_files(app, world, runner, tmp_path):
    home = world.records["home_project_id"]
    headers = bearer(app, world, "staff")
    api = app.test_client()
    photo = PNG + b"site photo bytes"
    kept = upload(api, f"/api/v1/projects/{home}/attachments", photo, "现场照片.png",
                  headers=headers, category="site_photo").get_json()
    archive = tmp_path / "backup.tar"
    result = runner.invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    assert "含附件 1 个" in result.output

    # after the backup: the file is lost from the disk, another one is added
    for path in stored_files(app):
        path.unlink()
    later = upload(api, f"/api/v1/projects/{home}/attachments", PDF, "后来.pdf",
                   headers=headers).get_json()
    assert fetch(api, kept["download_url"], headers=headers).status_code == 404

    result = runner.invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    assert "和 1 个附件文件" in result.output and "警告" not in result.output
    headers = bearer(app, world, "staff")  # tokens come back with the database
    r = fetch(api, kept["download_url"], headers=headers)
    assert r.status_code == 200 and r.data == photo
    assert hashlib.sha256(r.data).hexdigest() == kept["sha256"]
    listed = api.get(f"/api/v1/projects/{home}/attachments", headers=headers).get_json()
    assert [a["id"] for a in listed["items"]] == [kept["id"]]  # 后来.pdf: not in the backup
    assert later["id"] not in [a["id"] for a in listed["items"]]


def test_restore_warns_about_files_it_does_not_have(app, world, runner, tmp_path):
    home = world.records["home_project_id"]
    upload(app.test_client(), f"/api/v1/projects/{home}/attachments", PDF, "a.pdf",
           headers=bearer(app, world, "staff"))
    archive = tmp_path / "b.tar"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    import tarfile

    stripped = tmp_path / "stripped.tar"  # the same archive without its files
    with tarfile.open(archive) as src, tarfile.open(stripped, "w") as dst:
        for member in src:
            if not member.name.startswith("attachments/"):
                dst.addfile(member, src.extractfile(member))
    for path in stored_files(app):
        path.unlink()
    result = runner.invoke(args=["restore", "--yes", str(stripped)])
    assert result.exit_code == 0, result.output
    assert "警告：1 个附件的文件不在附件目录中" in result.output


def test_restore_refuses_an_archive_that_is_not_ours(app, runner, tmp_path):
    import tarfile

    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as archive:
        data = b"owned"
        info = tarfile.TarInfo("../../outside.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    result = runner.invoke(args=["restore", "--yes", str(evil)])
    assert result.exit_code != 0 and "不是招商通的备份" in result.output
    assert not (tmp_path.parent / "outside.txt").exists()


def test_merging_enterprises_takes_their_attachments_along(app, world):
    headers = bearer(app, world, "staff")
    api = app.test_client()
    with app.app_context(), session_scope() as s:
        staff = s.get(User, world.users["staff"].id)
        drop = enterprises.create_enterprise(session=s, user=staff, data={"name": "重复企业"})
        drop_id = drop.id
    keep_id = world.records["enterprise_id"]
    body = upload(api, f"/api/v1/enterprises/{drop_id}/attachments", PDF, "营业执照.pdf",
                  headers=headers).get_json()
    with app.app_context(), session_scope() as s:
        dedupe.merge_enterprises(session=s, keep=s.get(Enterprise, keep_id),
                                 drop=s.get(Enterprise, drop_id),
                                 user=s.get(User, world.users["staff"].id))
        merge = s.exec(select(AuditLog).where(AuditLog.action == "merge",
                                              AuditLog.object_id == keep_id)).one()
        assert "附件 1 个" in merge.summary
    listed = api.get(f"/api/v1/enterprises/{keep_id}/attachments", headers=headers).get_json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]
    r = fetch(api, f"/api/v1/enterprises/{keep_id}/attachments/{body['id']}", headers=headers)
    assert r.status_code == 200 and r.data == PDF
