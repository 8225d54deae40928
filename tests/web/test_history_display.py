"""The change history and the audit log show values as users know them: names behind
ids, Chinese labels for codes, the acting user's display name; never raw codes, ids or
``localproxy``. Names are read in one query per table for a whole page."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from crm.admin import auditlog
from crm.db import get_engine, session_scope
from crm.models import AuditLog, Division, Park, User
from crm.services import audit, enterprises, followups, history, projects, users
from tests.conftest import PASSWORD, login

HOME, OTHER = "220100", "220200"  # 长春市, 吉林市


def person(app, username: str, display_name: str, role: str = "staff") -> int:
    with app.app_context(), session_scope() as s:
        return users.create_user(s, username=username, password=PASSWORD, role=role,
                                 display_name=display_name).id


def client_for(app, username: str):
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


def history_card(html: str) -> str:
    return html[html.index('id="history"'):]


def audit_table(html: str) -> str:
    start = html.index('id="audit-table"')
    return html[start:html.index("</table>", start)]


@contextmanager
def statements(app):
    """The SQL statements run on the app's real engine meanwhile."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def make_project_story(app) -> dict:
    """A project made and changed through the services by 王芳 (wangfang):
    city, county, park, owner, enterprise, modes, stage; its first enterprise deleted."""
    actor_id = person(app, "wangfang", "王芳")
    zhang, li = person(app, "zhangsan", "张三"), person(app, "lisi", "李四")
    with app.app_context(), session_scope() as s:
        actor = s.get(User, actor_id)
        first = enterprises.create_enterprise(session=s, user=actor, data={
            "name": "长光卫星技术股份有限公司", "province": "吉林省", "city": "长春市",
            "kind": "leader"})
        second = enterprises.create_enterprise(session=s, user=actor, data={
            "name": "杭州海康光电有限公司", "province": "浙江省", "city": "杭州市",
            "kind": "listed"})
        park = s.exec(select(Park).where(Park.city_code == HOME).order_by(Park.id)).first()
        county = s.exec(select(Division).where(Division.parent_code == HOME)
                        .order_by(Division.code)).first()
        p = projects.create_project(session=s, user=actor, data={
            "name": "光电子产业园项目", "city_code": HOME, "county_code": county.code,
            "park_id": park.id, "owner_id": zhang, "enterprise_id": first.id,
            "project_class": "major", "cooperation_form": "factory",
            "attraction_mode": "business", "planned_investment_wan": "5000",
            "source_province": "浙江省", "source_city": "杭州市", "stage": "lead"})
        p = projects.update_project(session=s, project=p, user=actor, data={
            "city_code": OTHER, "county_code": None, "park_id": None, "owner_id": li,
            "enterprise_id": second.id, "attraction_mode": "jizhe",
            "planned_investment_wan": "120000", "version": p.version})
        projects.move_stage(session=s, project=p, to_stage="negotiation", user=actor)
        enterprises.delete_enterprise(session=s, enterprise=s.merge(first), user=actor)
        f = followups.create_followup(session=s, user=actor, data={
            "project_id": p.id, "enterprise_id": second.id, "kind": "visit",
            "date": "2026-01-05", "summary": "赴杭州拜访"})
        return {"project": p.id, "followup": f.id, "enterprise": second.id,
                "first": first.id, "park": park.name, "county": county.name,
                "county_code": county.code, "ids": (zhang, li, first.id, second.id, park.id)}


def test_project_history_speaks_chinese(app):
    story = make_project_story(app)
    c = client_for(app, "wangfang")
    html = c.get(f"/projects/{story['project']}").get_data(as_text=True)
    card = history_card(html)
    arrow = ' <span class="text-muted">→</span> '
    for label, old, new in [("落地市（州）", "长春市", "吉林市"), ("负责人", "张三", "李四"),
                            ("投资企业", "长光卫星技术股份有限公司", "杭州海康光电有限公司"),
                            ("招商方式", "以商招商", "吉浙对口合作"), ("阶段", "线索", "洽谈"),
                            ("落地县（市、区）", story["county"], "—"),
                            ("落地园区", story["park"], "—"),
                            ("计划投资额（万元）", "5,000.00 万元", "120,000.00 万元"),
                            ("一事一议", "否", "是")]:
        assert f'<td class="text-muted w-25">{label}</td><td>{old}{arrow}{new}</td>' in card, label
    assert "重大产业化项目" in card and "投资办厂" in card and "杭州市" in card
    assert "王芳" in card  # the acting user, by display name
    for raw in (HOME, OTHER, story["county_code"], "negotiation", "business", "jizhe",
                "factory", "major", "wangfang", "localproxy", "LocalProxy", "None"):
        assert raw not in card, raw


def test_followup_and_enterprise_history(app):
    story = make_project_story(app)
    c = client_for(app, "wangfang")
    card = history_card(c.get(f"/followups/{story['followup']}").get_data(as_text=True))
    assert "拜访" in card and "光电子产业园项目" in card and "杭州海康光电有限公司" in card
    assert "visit" not in card
    card = history_card(c.get(f"/enterprises/{story['enterprise']}").get_data(as_text=True))
    assert "上市公司" in card and "listed" not in card and "王芳" in card


def test_audit_page_speaks_chinese(app):
    story = make_project_story(app)
    person(app, "auditor", "审计员", role="admin")
    c = client_for(app, "auditor")
    html = c.get(f"/admin/audit?object_type=project&object_id={story['project']}"
                 ).get_data(as_text=True)
    table = audit_table(html)
    for label, old, new in [("落地市（州）", "长春市", "吉林市"), ("负责人", "张三", "李四"),
                            ("投资企业", "长光卫星技术股份有限公司", "杭州海康光电有限公司"),
                            ("阶段", "线索", "洽谈"), ("招商方式", "以商招商", "吉浙对口合作"),
                            ("一事一议", "否", "是")]:
        assert f'<span class="fw-semibold">{label}</span>：{old} → {new}' in table, label
    assert "王芳" in table and 'title="用户名：wangfang"' in table
    assert "项目" in table and "光电子产业园项目" in table  # the object: type and name
    for raw in (f"：{HOME}", f"→ {OTHER}", "negotiation", "business", "localproxy"):
        assert raw not in table, raw
    # (长光卫星 above was deleted before the page was read.) Every type in Chinese:
    table = audit_table(c.get("/admin/audit").get_data(as_text=True))
    assert "跟进记录" in table and "企业" in table and "用户" in table
    assert "拜访" in table and "上市公司" in table and "省厅工作人员" in table


def test_logout_is_audited_on_the_user_not_the_proxy(app):
    person(app, "zhaoliu", "赵六")
    c = client_for(app, "zhaoliu")
    assert c.post("/logout").status_code == 302
    with app.app_context(), session_scope() as s:
        row = s.exec(select(AuditLog).where(AuditLog.action == "logout")).one()
        user = s.exec(select(User).where(User.username == "zhaoliu")).one()
        assert (row.object_type, row.object_id, row.username) == ("user", user.id, "zhaoliu")


def test_old_rows_with_raw_codes_and_proxy_reprs_still_render(app):
    story = make_project_story(app)
    admin = person(app, "auditor", "审计员", role="admin")
    with app.app_context(), session_scope() as s:
        audit.record(s, user=None, username="<LocalProxy unbound>", action="logout",
                     object_type="localproxy", object_id=admin)
        audit.record(s, user=None, username="olduser", action="update", object_type="project",
                     object_id=story["project"], changes={
                         "city_code": ["999999", HOME], "owner_id": [None, 987654],
                         "stage": ["weird_stage", "signed"],
                         "notes": ["<werkzeug.local.LocalProxy object at 0x7f00>", "正常备注"],
                         "unknown_field": [1, 2], "enterprise_id": [10**20, "abc"],
                         "project_class": [["a"], {"b": 1}]})
        audit.record(s, user=None, username="olduser", action="update",
                     object_type="project", object_id=story["project"], changes=["not", "dict"])
        audit.record(s, user=None, username="olduser", action="update",
                     object_type="enterprise", object_id=story["enterprise"],
                     changes={"priority": [2, "1"], "kind": ["leader", "strange_kind"],
                              "notes": ["<注意>旧备注", "新备注"]})
    c = client_for(app, "auditor")
    response = c.get("/admin/audit")
    assert response.status_code == 200
    table = audit_table(response.get_data(as_text=True))
    assert "localproxy" not in table.lower()
    assert "（无法识别的旧值）" in table and "用户" in table and "审计员" in table
    for text in ("变更内容</span>：— → [&#39;not&#39;, &#39;dict&#39;]", "999999 → 长春市",
                 "— → #987654", "weird_stage → 签约", "unknown_field</span>：1 → 2",
                 "优先级</span>：中 → 高", "行业领军企业 → strange_kind",
                 "100000000000000000000 → abc", "&lt;注意&gt;旧备注 → 新备注",
                 "[&#39;a&#39;] → {&#39;b&#39;: 1}"):
        assert text in table, text
    assert c.get("/admin/audit?object_type=user").get_data(as_text=True).count(
        "（无法识别的旧值）") >= 1  # the old logout row counts as a user's
    card = history_card(client_for(app, "wangfang").get(
        f"/projects/{story['project']}").get_data(as_text=True))
    assert "weird_stage → 签约" in card.replace(' <span class="text-muted">', " ").replace(
        "</span> ", " ") and "LocalProxy" not in card


def many_changes(app, rows: int = 50) -> int:
    """A project with ``rows`` updates, each naming another owner and enterprise."""
    actor_id = person(app, "busy", "忙碌的人")
    owners = [person(app, f"owner{i}", f"负责人{i}") for i in range(rows)]
    with app.app_context(), session_scope() as s:
        actor = s.get(User, actor_id)
        firms = [enterprises.create_enterprise(session=s, user=actor, data={
            "name": f"企业{i}", "province": "浙江省", "city": "杭州市"}).id for i in range(rows)]
        parks = [p.id for p in s.exec(select(Park).where(Park.city_code == HOME))]
        p = projects.create_project(session=s, user=actor, data={
            "name": "多次修改的项目", "city_code": HOME})
        for i in range(rows):
            p = projects.update_project(session=s, project=p, user=actor, data={
                "owner_id": owners[i], "enterprise_id": firms[i],
                "park_id": parks[i % len(parks)], "version": p.version})
        return p.id


def test_names_are_read_per_table_not_per_row(app):
    project_id = many_changes(app)
    person(app, "auditor", "审计员", role="admin")
    c = client_for(app, "auditor")
    with app.app_context(), session_scope() as s:
        page = list(s.exec(auditlog.AuditFilters(object_type="project").select().limit(50)))
        assert len(page) == 50
        with statements(app) as seen:
            rows = auditlog.describe(s, page)
        # users, enterprises, projects, parks: one query each; divisions at most once
        assert len(seen) <= 5, seen
        assert "负责人49" in str(rows[0].changes) and "企业49" in str(rows[0].changes)
    with statements(app) as seen:
        html = c.get("/admin/audit?object_type=project").get_data(as_text=True)
    assert "负责人48 → 负责人49" in html
    # login session and user, the page and its count, then the names: 8 (was 100+)
    assert len(seen) <= 10, seen
    with app.app_context(), session_scope() as s, statements(app) as seen:
        entries = history.history(s, "project", project_id)
    assert len(entries) == 51 and "企业49" in str(entries[0].rows)
    assert len(seen) <= 6, seen  # the trail, then users, enterprises, parks (, divisions)
    with statements(app) as seen:
        html = c.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "负责人0" in history_card(html) and "企业49" in history_card(html)
    names_queries = [q for q in seen if re.search(r'FROM "?(user|enterprise|park)"?\s', q)]
    assert len(names_queries) <= 8, names_queries


def test_trash_names_the_city(app):
    story = make_project_story(app)
    with app.app_context(), session_scope() as s:
        actor = s.exec(select(User).where(User.username == "wangfang")).one()
        projects.delete_project(session=s, project=projects.get_project(s, story["project"]),
                                user=actor)
    html = client_for(app, "wangfang").get("/admin/trash").get_data(as_text=True)
    row = re.search(r"<td>光电子产业园项目</td>.*?</tr>", html, re.S).group(0)
    assert "<td>吉林市</td>" in row and OTHER not in row
