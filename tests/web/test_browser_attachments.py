"""附件 in real Chromium on the live server (CSRF on, the real CSP): upload a contract
from a project page, download it under its Chinese name, refuse a web page dressed
as a PDF, delete after the confirmation dialog."""

from __future__ import annotations

from crm.db import session_scope
from crm.models import User
from crm.services import projects
from crm.services.users import create_user
from tests.core.test_filetypes import HTML, PDF

PASSWORD = "Browser-Passw0rd!"


def test_upload_download_refuse_delete(page, live_server, tmp_path):
    _base_url, app = live_server
    with app.app_context(), session_scope() as s:
        user = create_user(s, username="lisi", password=PASSWORD, role="staff",
                           display_name="李四")
        project_id = projects.create_project(session=s, user=s.get(User, user.id), data={
            "name": "光电芯片项目", "city_code": "220100"}).id
    contract, fake = tmp_path / "合作协议.pdf", tmp_path / "假协议.pdf"
    contract.write_bytes(PDF)
    fake.write_bytes(HTML)

    page.goto("/login")
    page.fill("#username", "lisi")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=工作台")

    page.goto(f"/projects/{project_id}")
    section = page.locator("#attachments")
    section.locator("input[type=file]").set_input_files(str(contract))
    section.locator("select[name=category]").select_option(label="投资协议")
    section.locator("button:has-text('上传')").click()
    page.wait_for_selector("text=已上传附件“合作协议.pdf”")
    row = page.locator("#attachments tbody tr").first
    assert "投资协议" in row.inner_text() and "李四" in row.inner_text()

    with page.expect_download() as info:
        row.locator("a:has-text('合作协议.pdf')").click()
    download = info.value
    assert download.suggested_filename == "合作协议.pdf"
    assert download.path().read_bytes() == PDF

    section = page.locator("#attachments")
    section.locator("input[type=file]").set_input_files(str(fake))
    section.locator("button:has-text('上传')").click()
    page.wait_for_selector("text=不允许上传")
    assert "附件（1）" in page.locator("#attachments .card-header").inner_text()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#attachments button:has-text('删除')").click()
    page.wait_for_selector("text=已删除附件“合作协议.pdf”")
    assert "暂无附件" in page.locator("#attachments").inner_text()
