"""The whole working day in real Chromium: log in, add an enterprise, add a 12亿元
project from 杭州 (flagged 一事一议 and 吉浙), add a follow-up, move it to 签约."""

from __future__ import annotations

import os

from crm.config import PROJECT_ROOT
from crm.db import session_scope
from crm.services.users import create_user

PASSWORD = "Browser-Passw0rd!"
SCREENSHOT = PROJECT_ROOT / "docs" / "project.png"


def screenshot_path(tmp_path):
    """docs/project.png for the README when missing or when ZHAOSHANG_UPDATE_SCREENSHOTS=1;
    otherwise a throwaway file, so running the suite leaves the work tree clean."""
    if os.environ.get("ZHAOSHANG_UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists():
        return SCREENSHOT
    return tmp_path / "project.png"


def test_enterprise_project_followup_to_signed(page, live_server, tmp_path):
    base_url, app = live_server
    with app.app_context(), session_scope() as s:
        create_user(s, username="zhangsan", password=PASSWORD, role="staff",
                    display_name="张三")

    page.goto("/login")
    page.fill("#username", "zhangsan")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=工作台")

    # an enterprise from Hangzhou
    page.goto("/enterprises/new")
    page.fill("#name", "杭州芯光微电子有限公司")
    page.fill("#province", "浙江省")
    page.fill("#city", "杭州市")
    page.select_option("#kind", label="行业领军企业")
    page.fill("#contacts-0-name", "李总")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("h1:has-text('杭州芯光微电子有限公司')")
    assert page.locator("h1 [data-flag=jizhe]").is_visible()

    # a 12亿元 project, opened from the enterprise page
    page.click("text=新建项目")
    assert page.input_value("#source_province") == "浙江省"
    page.fill("#name", "高端光电芯片产业化项目")
    page.select_option("#city_code", label="长春市")
    page.select_option("#project_class", label="重大产业化项目")
    page.select_option("#cooperation_form", label="投资办厂")
    page.fill("#planned_investment_wan", "120000")
    page.fill("#source_city", "杭州市")
    page.click("form.edit-form button[type=submit]")
    title = page.locator("#project-title")
    title.wait_for()
    assert "高端光电芯片产业化项目" in title.inner_text()
    assert title.locator("[data-flag=case_by_case]").is_visible()
    assert title.locator("[data-flag=jizhe]").is_visible()
    assert "12.00 亿元" in page.inner_text("#planned")
    assert "待提请" in page.inner_text("#case")

    # a follow-up from the project page
    page.click("text=添加跟进")
    page.select_option("#kind", label="拜访")
    page.fill("#participants", "张三、李总")
    page.fill("#summary", "赴杭州拜访企业，洽谈在长春新区投资建厂")
    page.fill("#next_step", "邀请企业来长春考察")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("text=赴杭州拜访企业，洽谈在长春新区投资建厂")

    # 线索 → 签约 is an allowed forward move
    page.select_option("#to_stage", label="签约")
    page.click("#move button[type=submit]")
    page.wait_for_selector("#stage:has-text('签约')")
    assert "线索 → 签约" in page.inner_text("#stage-history")

    target = screenshot_path(tmp_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
