"""Pickers in real Chromium (static/pickers.js): type into 投资企业, see matches by name,
credit code and pinyin initials, choose with the keyboard, save; 落地县 and 园区 follow
落地市（州）; a city official's form; the follow-up form's project picker; and the
same form without JavaScript."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import select

from crm import rules
from crm.db import session_scope
from crm.models import Enterprise, FollowUp, Project
from crm.services import enterprises, projects
from crm.services.users import create_user

PASSWORD = "Browser-Passw0rd!"
FIRST17 = "91220101MA17XK2Q3"
CODE = FIRST17 + rules.credit_code_check_char(FIRST17)


def setup(app, role="staff", city_code=None) -> dict:
    with app.app_context(), session_scope() as s:
        user = create_user(s, username="picker", password=PASSWORD, role=role,
                           city_code=city_code)
        staff = create_user(s, username="staff2", password=PASSWORD, role="staff")
        ent = enterprises.create_enterprise(session=s, user=staff, data={
            "name": "长春星辰光电技术股份有限公司", "province": "吉林省", "city": "长春市",
            "credit_code": CODE, "kind": "leader"})
        other = enterprises.create_enterprise(session=s, user=staff, data={
            "name": "吉林星辰化工有限公司", "province": "吉林省", "city": "吉林市",
            "kind": "other"})
        project = projects.create_project(session=s, user=staff, data={
            "name": "四平星辰光电产业园项目", "city_code": "220300", "enterprise_id": ent.id})
        return {"user": user.username, "ent": ent.id, "other": other.id, "project": project.id}


def login(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=工作台")


def options(page, select) -> list[str]:
    return page.eval_on_selector_all(f"{select} option", "els => els.map(e => e.value)")


def test_project_form_picker_and_following_choices(page, live_server):
    base_url, app = live_server
    ids = setup(app)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    login(page, ids["user"])
    page.goto("/projects/new")
    box = page.locator("#enterprise_id")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    assert listbox.get_attribute("role") == "listbox"

    # by name, by credit code, by pinyin initials
    box.fill("星辰")
    page.wait_for_selector("[role=option]:has-text('吉林星辰化工有限公司')")
    assert box.get_attribute("aria-expanded") == "true"
    expect(listbox.locator("[role=option]")).to_have_count(2)
    box.fill(CODE[:12])
    expect(listbox.locator("[role=option]")).to_have_count(1)
    expect(listbox.locator("[role=option]")).to_contain_text(CODE)
    assert "长春市" in listbox.inner_text()
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and listbox.is_hidden()
    box.fill("")
    box.type("jlxc")
    expect(listbox.locator("[role=option]")).to_have_count(1)
    expect(listbox.locator("[role=option]")).to_contain_text("吉林星辰化工有限公司")
    box.fill("星辰")
    expect(listbox.locator("[role=option]")).to_have_count(2)

    # choose with the keyboard: down to the second match, Enter (not a submit)
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = listbox.locator("[role=option]").nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    chosen = second.locator("div").first.inner_text()
    box.press("Enter")
    assert page.url.endswith("/projects/new")
    assert box.input_value() == chosen and listbox.is_hidden()
    picked = ids["ent"] if chosen.startswith("长春") else ids["other"]
    assert page.input_value("#enterprise_id-value") == str(picked)

    # 落地县 and 园区 follow 落地市（州）
    page.select_option("#city_code", label="四平市")
    groups = page.eval_on_selector_all("#county_code optgroup", "els => els.map(e => e.label)")
    assert groups == ["四平市"]
    park_groups = page.eval_on_selector_all("#park_id optgroup", "els => els.map(e => e.label)")
    assert set(park_groups) <= {"四平市"}
    page.select_option("#county_code", index=1)
    county = page.input_value("#county_code")
    assert county.startswith("2203")
    page.select_option("#city_code", label="长春市")
    assert page.input_value("#county_code") == ""  # 四平's county is gone with 四平
    page.select_option("#city_code", label="四平市")
    page.select_option("#county_code", county)

    page.fill("#name", "星辰光电二期项目")
    page.click("form.edit-form button[type=submit]")
    page.locator("#project-title").wait_for()
    with app.app_context(), session_scope() as s:
        project = s.exec(select(Project).where(Project.name == "星辰光电二期项目")).one()
        assert (project.enterprise_id, project.city_code, project.county_code) == (
            picked, "220300", county)
    assert violations == []


def test_city_officials_form_and_followup_picker(page, live_server):
    base_url, app = live_server
    ids = setup(app, role="city", city_code="220300")
    login(page, ids["user"])
    page.goto("/projects/new")
    assert options(page, "#city_code") == ["220300"]
    groups = page.eval_on_selector_all("#county_code optgroup", "els => els.map(e => e.label)")
    assert groups == ["四平市"]

    page.goto("/followups/new")
    project_box = page.locator("#project_id")
    project_box.type("spxc")  # 四平星辰… by its initials
    page.wait_for_selector("[role=option]:has-text('四平星辰光电产业园项目')")
    assert "长春星辰光电技术股份有限公司" in page.inner_text(
        "#" + project_box.get_attribute("aria-controls"))
    project_box.press("ArrowDown")
    project_box.press("Enter")
    assert page.input_value("#project_id-value") == str(ids["project"])
    page.fill("#summary", "电话沟通二期选址")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector("text=电话沟通二期选址")
    # let the page finish loading its stylesheets: closing the browser mid-response
    # leaves the server's file open (a ResourceWarning at teardown)
    page.wait_for_load_state("load")
    with app.app_context(), session_scope() as s:
        followup = s.exec(select(FollowUp).where(FollowUp.summary == "电话沟通二期选址")).one()
        assert followup.project_id == ids["project"]
        assert followup.enterprise_id == ids["ent"]  # the project's enterprise


def test_project_form_without_javascript(browser, live_server):
    base_url, app = live_server
    ids = setup(app)
    context = browser.new_context(base_url=base_url, locale="zh-CN", java_script_enabled=False)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base_url) else route.abort())
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, ids["user"])
        page.goto("/projects/new")
        assert page.locator("#enterprise_id").get_attribute("role") is None  # no script ran
        page.fill("#name", "无脚本项目")
        page.select_option("#city_code", label="长春市")
        page.fill("#enterprise_id", "无此企业")
        page.click("form.edit-form button[type=submit]")
        page.wait_for_selector("text=未找到与“无此企业”唯一对应的记录")
        assert page.input_value("#name") == "无脚本项目"
        page.fill("#enterprise_id", CODE.lower())
        page.click("form.edit-form button[type=submit]")
        page.locator("#project-title").wait_for()
        with app.app_context(), session_scope() as s:
            project = s.exec(select(Project).where(Project.name == "无脚本项目")).one()
            assert project.enterprise_id == ids["ent"]
            assert s.get(Enterprise, ids["ent"]).credit_code == CODE
    finally:
        context.close()
