"""THE ROLE MATRIX: every rule in app.url_map × every method × every role, checked
against the expectation table below. A route missing from the table fails the suite.

Adding a route? Add a line to EXPECTATIONS: "endpoint METHOD": PROFILE. The profiles say
who gets in: OK (allowed: 2xx, 3xx not to the login page, or 400/409/422 for the empty
body the walk sends), DENY (403), LOGIN (redirect to the login page; 401 under /api/),
GONE (404: the object exists but is not this user's, e.g. another user's import). If the
URL has a parameter name the walk does not know, add it to PARAMS.

The city user belongs to 220100 长春市. Routes with a project or follow-up in the URL are
walked twice for that role: with records in 长春市 ("city") and in 吉林市 ("city_other").
Non-GET requests get fresh records each time (so deletes and restores do not disturb
the rest of the walk); restore routes get a soft-deleted record.

Set ZS_PRINT_MATRIX=1 to print the observed matrix.
"""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from werkzeug.routing import Rule

from crm.db import session_scope
from crm.models import User
from crm.services import attachments, enterprises, followups, funding, projects
from tests.conftest import login
from tests.security.conftest import ROLES, new_records, token_for

OK, DENY, LOGIN, GONE = "ok", "403", "login", "404"
VARIANTS = ("anonymous", *ROLES, "city_other")


def expect(*, anonymous=LOGIN, admin=OK, staff=OK, city=OK, viewer=OK, city_other=None):
    return {"anonymous": anonymous, "admin": admin, "staff": staff, "city": city,
            "viewer": viewer, "city_other": city if city_other is None else city_other}


PUBLIC = expect(anonymous=OK)
READ = expect()                                             # every logged-in user reads
ADMIN = expect(staff=DENY, city=DENY, viewer=DENY)          # users, settings
OVERSIGHT = expect(city=DENY, viewer=DENY)                  # audit trail, 回收站 overview
EDIT_ALL = expect(city=DENY, viewer=DENY)                   # enterprises: admin and staff
EDIT_CITY = expect(viewer=DENY, city_other=DENY)            # projects/follow-ups in own city
WRITE = expect(viewer=DENY)                                 # forms where a city user writes
OWN_ONLY = expect(admin=GONE, staff=GONE, city=GONE, viewer=GONE)  # another user's upload

EXPECTATIONS: dict[str, dict] = {
    # static files and login
    "static GET": PUBLIC,
    "main.favicon GET": PUBLIC,              # the tab icon, before login
    "bootstrap.static GET": PUBLIC,
    "map.asset GET": PUBLIC,                 # Leaflet files: public libraries, no data
    "auth.login GET": PUBLIC,
    "auth.login POST": PUBLIC,
    "auth.logout POST": expect(admin=LOGIN, staff=LOGIN, city=LOGIN, viewer=LOGIN),  # → login page
    "auth.change_password GET": READ,
    "auth.change_password POST": READ,
    "auth.tokens GET": READ,                 # own tokens (an admin's: everyone's)
    "auth.token_revoke POST": OWN_ONLY,
    # reading pages: every role
    "main.index GET": READ,
    "main.docket GET": READ,
    "main.jizhe GET": READ,
    "map.index GET": READ,
    "map.export GET": READ,
    "enterprises.index GET": READ,
    "enterprises.detail GET": READ,
    "enterprises.history GET": READ,
    "projects.index GET": READ,
    "projects.board GET": READ,
    "projects.detail GET": READ,
    "projects.history GET": READ,
    "enterprises.lookup GET": READ,          # the pickers' matches (JSON)
    "projects.lookup GET": READ,             # a city official's: their city's projects
    "followups.index GET": READ,
    "followups.detail GET": READ,
    "followups.history GET": READ,
    "stats.index GET": READ,
    "stats.drill GET": READ,
    "stats.export GET": READ,
    "stats.policy_overview GET": READ,
    "stats.rewards GET": READ,
    "io.export GET": READ,
    # enterprises: admin and staff write
    "enterprises.new GET": EDIT_ALL,
    "enterprises.new POST": EDIT_ALL,
    "enterprises.edit GET": EDIT_ALL,
    "enterprises.edit POST": EDIT_ALL,
    "enterprises.delete POST": EDIT_ALL,
    "enterprises.restore POST": EDIT_ALL,
    "io.merge GET": EDIT_ALL,
    "io.merge POST": EDIT_ALL,
    "enterprises.duplicates GET": EDIT_ALL,   # 查重: those who merge
    # projects and follow-ups: a city user in their own city
    "projects.new GET": WRITE,
    "projects.new POST": WRITE,
    "projects.edit GET": EDIT_CITY,
    "projects.edit POST": EDIT_CITY,
    "projects.move_stage POST": EDIT_CITY,
    "projects.case POST": EDIT_CITY,
    "projects.delete POST": EDIT_CITY,
    "projects.restore POST": EDIT_CITY,
    "followups.new GET": WRITE,
    "followups.new POST": WRITE,
    "followups.edit GET": EDIT_CITY,
    "followups.edit POST": EDIT_CITY,
    "followups.delete POST": EDIT_CITY,
    "followups.restore POST": EDIT_CITY,
    "stats.add_funds POST": EDIT_CITY,
    "stats.delete_funds POST": EDIT_CITY,
    "stats.rewards POST": ADMIN,             # 奖励规则: admin sets them
    # import: writers; an upload is seen only by its uploader
    "io.import_upload GET": WRITE,
    "io.import_upload POST": WRITE,
    "io.import_template GET": READ,          # an empty sheet: headers and one example
    "io.import_preview GET": OWN_ONLY,
    "io.import_confirm POST": expect(admin=GONE, staff=GONE, city=GONE, viewer=DENY),
    "io.import_status GET": OWN_ONLY,
    # admin area
    "admin.index GET": ADMIN,
    "admin.user_create GET": ADMIN,
    "admin.user_create POST": ADMIN,
    "admin.user_set_active POST": ADMIN,
    "admin.user_reset_password GET": ADMIN,
    "admin.user_reset_password POST": ADMIN,
    "admin.user_unlock POST": ADMIN,
    "admin.settings GET": ADMIN,
    "admin.settings POST": ADMIN,
    "admin.audit GET": OVERSIGHT,
    "admin.trash GET": OVERSIGHT,
    # JSON API (bearer tokens; 401 without one)
    "api.openapi GET": PUBLIC,               # the schema only, no data (api.PUBLIC_ENDPOINTS)
    "api.enterprises_list GET": READ,
    "api.enterprises_get GET": READ,
    "api.enterprises_create POST": EDIT_ALL,
    "api.enterprises_update PATCH": EDIT_ALL,
    "api.enterprises_delete DELETE": EDIT_ALL,
    "api.enterprises_restore POST": EDIT_ALL,
    "api.projects_list GET": READ,
    "api.projects_get GET": READ,
    "api.projects_create POST": EDIT_CITY,   # body names the city (BODIES)
    "api.projects_update PATCH": EDIT_CITY,
    "api.projects_stage POST": EDIT_CITY,
    "api.projects_delete DELETE": EDIT_CITY,
    "api.projects_restore POST": EDIT_CITY,
    "api.followups_list GET": READ,
    "api.followups_get GET": READ,
    "api.followups_create POST": EDIT_CITY,  # body names the project (BODIES)
    "api.followups_update PATCH": EDIT_CITY,
    "api.followups_delete DELETE": EDIT_CITY,
    "api.followups_restore POST": EDIT_CITY,
    # 附件 (walked on projects: a city user's own city and another)
    "attachments.upload POST": EDIT_CITY,
    "attachments.download GET": READ,
    "attachments.delete POST": EDIT_CITY,
    "api_attachments.index GET": READ,
    "api_attachments.upload POST": EDIT_CITY,
    "api_attachments.download GET": READ,
    "api_attachments.delete DELETE": EDIT_CITY,
    "stats_api.stats GET": READ,
    "stats_api.enterprise_policies GET": READ,
    "stats_api.project_policies GET": READ,
}

# URL parameter → how to fill it from the records ("home" = 长春市, "other" = 吉林市).
API_OBJECTS = {"api.enterprises": "enterprise_id", "api.projects": "{side}_project_id",
               "api.followups": "{side}_followup_id"}
FIXED = {"filename": "app.css", "kind": "projects", "listing": "projects",
         "record_type": "projects",
         "fmt": "xlsx",
         "name": "funnel", "package": "leaflet", "token": "0" * 32}
CITIES = {"home": "220100", "other": "220200"}
# Valid JSON bodies where an empty one would stop at validation before the permission
# check; a lambda of (records, side).
BODIES = {
    "api.projects_create": lambda r, side: {"name": "矩阵测试项目", "city_code": CITIES[side]},
    "api.followups_create": lambda r, side: {
        "project_id": r[f"{side}_project_id"], "kind": "call", "date": "2024-03-01",
        "summary": "矩阵测试"},
    "api.projects_stage": lambda r, side: {"stage": "contact"},
    "api.projects_update": lambda r, side: {"notes": "矩阵测试"},
    "api.followups_update": lambda r, side: {"summary": "矩阵测试"},
    "api.enterprises_update": lambda r, side: {"notes": "矩阵测试"},
    "api.enterprises_create": lambda r, side: {"name": "矩阵测试企业"},
}
ENDPOINT_FIXED = {"bootstrap.static": {"filename": "css/bootstrap.min.css"},
                  "map.asset": {"filename": "leaflet.js"},
                  # no such token: revoking someone else's is tests/security/test_tokens.py
                  "auth.token_revoke": {"token_id": 999999}}


def param_value(endpoint: str, name: str, records: dict, side: str):
    if name in ENDPOINT_FIXED.get(endpoint, {}):
        return ENDPOINT_FIXED[endpoint][name]
    if name == "obj_id":
        prefix = endpoint.rsplit("_", 1)[0]
        return records[API_OBJECTS[prefix].format(side=side)]
    if name == "enterprise_id":
        return records["enterprise_id"]
    if name in ("project_id", "followup_id", "arrival_id", "user_id", "attachment_id"):
        return records[f"{side}_{name}" if name != "user_id" else "user_id"]
    if name == "record_id":  # attachments are walked on projects
        return records[f"{side}_project_id"]
    if name in FIXED:
        return FIXED[name]
    raise KeyError(f"未知的 URL 参数 {name}（{endpoint}）：请在 test_role_matrix.PARAMS 中补充")


PARAMS = param_value  # the hook the module docstring names


def build_url(rule: Rule, records: dict, side: str = "home") -> str:
    values = {}
    for name in rule.arguments:
        if records.get("default") is not None and name not in FIXED:
            values[name] = records["default"]
        else:
            values[name] = param_value(rule.endpoint, name, records, side)
    return rule.map.bind("localhost").build(rule.endpoint, values, force_external=False)


def sides_for(rule: Rule, variant: str) -> str:
    return "other" if variant == "city_other" else "home"


def has_city_side(rule: Rule) -> bool:
    names = set(rule.arguments)
    return bool(names & {"project_id", "followup_id", "arrival_id", "record_id"}) or (
        "obj_id" in names and not rule.endpoint.startswith("api.enterprises")) or (
        rule.endpoint in ("api.projects_create", "api.followups_create"))


def records_for(app, world, endpoint: str, fresh: bool) -> dict:
    if not fresh:
        return world.records
    records = new_records(app, world.users["staff"].id, tag=f"-{endpoint}")
    records["user_id"] = world.target_user_id
    with app.app_context(), session_scope() as s:
        actor = s.get(User, world.users["staff"].id)
        add_arrivals(s, records, actor)
        add_attachments(app, s, records, actor)
        if "restore" in endpoint:
            e = enterprises.get_enterprise(s, records["enterprise_id"])
            for key in ("home", "other"):
                p = projects.get_project(s, records[f"{key}_project_id"])
                f = followups.get_followup(s, records[f"{key}_followup_id"])
                if "followups" in endpoint:
                    followups.delete_followup(session=s, followup=f, user=actor)
                else:
                    projects.delete_project(session=s, project=p, user=actor)
            if "enterprises" in endpoint:
                enterprises.delete_enterprise(session=s, enterprise=e, user=actor)
    return records


def add_arrivals(s, records: dict, actor: User) -> None:
    """A 到位资金 record on each project (for the funds routes)."""
    for side in ("home", "other"):
        project = projects.get_project(s, records[f"{side}_project_id"])
        records[f"{side}_arrival_id"] = funding.add_arrival(
            session=s, project=project, data={"date": "2024-01-02", "amount_wan": "100"},
            user=actor).id


def classify(response, is_api: bool) -> str:
    status = response.status_code
    if status >= 500:
        return f"5xx({status})"
    if status == 401:
        return LOGIN if is_api else "401"
    if status in (301, 302, 303, 307, 308) and "/login" in response.headers.get("Location", ""):
        return "login-redirect" if is_api else LOGIN
    if status == 403:
        return DENY
    if status == 404:
        return GONE
    if status in (405, 410):
        return str(status)
    return OK


def add_attachments(app, s, records: dict, actor: User) -> None:
    """A PDF attachment on each project (for the attachment routes)."""
    store = attachments.Store(Path(app.instance_path) / "attachments", 1024 * 1024)
    for side in ("home", "other"):
        records[f"{side}_attachment_id"] = attachments.upload(
            s, store=store, kind_name="projects", record_id=records[f"{side}_project_id"],
            stream=BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="矩阵.pdf", category="contract",
            note="", user=actor).id


@pytest.fixture
def matrix_world(app, world, make_user):
    target = make_user("viewer")
    world.target_user_id = target.id
    world.records["user_id"] = target.id
    with app.app_context(), session_scope() as s:
        add_arrivals(s, world.records, s.get(User, world.users["staff"].id))
        add_attachments(app, s, world.records, s.get(User, world.users["staff"].id))
    world.clients = {"anonymous": app.test_client()}
    world.tokens = {}
    for role in ROLES:
        c = app.test_client()
        assert login(c, world.users[role].username).status_code == 302
        world.clients[role] = c
        world.tokens[role] = token_for(app, world.users[role].id)
    return world


def walk(app, world):
    observed, missing = {}, []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            key = f"{rule.endpoint} {method}"
            if key not in EXPECTATIONS:
                missing.append(f"{key}  ({rule.rule})")
                continue
            is_api = rule.rule.startswith("/api/")
            row = {}
            for variant in VARIANTS:
                if variant == "city_other" and not has_city_side(rule):
                    row[variant] = row["city"]
                    continue
                role = "city" if variant == "city_other" else variant
                records = records_for(app, world, rule.endpoint, fresh=method != "GET")
                url = build_url(rule, records, sides_for(rule, variant))
                kwargs = {"method": method}
                if is_api:
                    if role != "anonymous":
                        kwargs["headers"] = {"Authorization": f"Bearer {world.tokens[role]}"}
                    client = app.test_client()
                    if method != "GET":
                        body = BODIES.get(rule.endpoint)
                        kwargs["json"] = body(records, sides_for(rule, variant)) if body else {}
                else:  # a new anonymous client each time: no pile of flashed messages
                    client = world.clients[role] if role != "anonymous" else app.test_client()
                    if method != "GET":
                        kwargs["data"] = {}
                response = client.open(url, **kwargs)
                response.get_data()
                response.close()  # a streamed download keeps its app context until closed
                row[variant] = classify(response, is_api)
                if key == "auth.logout POST" and role != "anonymous":
                    assert login(client, world.users[role].username).status_code == 302
            observed[key] = row
    return observed, missing


def test_role_matrix(app, matrix_world):
    observed, missing = walk(app, matrix_world)
    if os.environ.get("ZS_PRINT_MATRIX"):
        for key, row in observed.items():
            print(f"{key:40s}", " ".join(f"{v}={row[v]}" for v in VARIANTS))
    assert not missing, "这些路由没有权限期望，请在 EXPECTATIONS 中补充：\n" + "\n".join(missing)
    wrong = []
    for key, row in observed.items():
        for variant in VARIANTS:
            if row[variant] != EXPECTATIONS[key][variant]:
                wrong.append(f"{key}: {variant} 期望 {EXPECTATIONS[key][variant]}，"
                             f"实际 {row[variant]}")
    assert not wrong, "\n".join(wrong)


def test_expectation_table_has_no_stale_lines(app):
    """Lines for routes that no longer exist are removed, so the table stays true."""
    live = {f"{r.endpoint} {m}" for r in app.url_map.iter_rules()
            for m in r.methods - {"HEAD", "OPTIONS"}}
    assert not set(EXPECTATIONS) - live, sorted(set(EXPECTATIONS) - live)
