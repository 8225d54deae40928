"""Races against a real server (waitress, 8 worker threads, like `zhaoshang serve`):
requests released together by a barrier must neither lose an update nor double a
write, and a lost race is a 409/422 naming what happened, never a 500."""

from __future__ import annotations

import http.client
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
from sqlmodel import func, select

from crm.db import session_scope
from crm.models import AuditLog, Enterprise, FollowUp, FundArrival, Project, StageChange, User
from crm.services import enterprises, followups, projects, users
from tests.conftest import PASSWORD

SERVER_THREADS = 8
CREDIT_CODE = "914403001922038216"
pytestmark = pytest.mark.parametrize("live_server", [SERVER_THREADS], indirect=True)


# --- a small HTTP client over the standard library -------------------------------------

@dataclass
class Reply:
    status: int
    text: str
    headers: dict

    def json(self):
        return json.loads(self.text)


class Client:
    """One logged-in user: a bearer token for the API, a session cookie for the pages."""

    def __init__(self, base_url: str):
        self.host, self.port = urlsplit(base_url).hostname, urlsplit(base_url).port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, method: str, path: str, *, body: bytes | None = None,
                content_type: str | None = None, keep_cookies: bool = False) -> Reply:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            if keep_cookies:
                for name, value in response.getheaders():
                    if name.lower() == "set-cookie":
                        key, _, rest = value.partition("=")
                        self.cookies[key] = rest.split(";", 1)[0]
            return Reply(response.status, text, dict(response.getheaders()))
        finally:
            conn.close()

    def api(self, method: str, path: str, data: dict | None = None) -> Reply:
        body = json.dumps(data).encode() if data is not None else None
        return self.request(method, path, body=body, content_type="application/json")

    def form(self, path: str, data: dict) -> Reply:
        return self.request("POST", path, body=urlencode(data).encode(),
                            content_type="application/x-www-form-urlencoded")

    def csrf(self, path: str) -> str:
        page = self.request("GET", path, keep_cookies=True).text
        return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)

    def login(self, username: str) -> None:
        token = self.csrf("/login")
        r = self.request("POST", "/login", body=urlencode(
            {"username": username, "password": PASSWORD, "csrf_token": token}).encode(),
            content_type="application/x-www-form-urlencoded", keep_cookies=True)
        assert r.status == 302, r.text


def race(count: int, call) -> list[Reply]:
    """``call(i)`` in ``count`` threads, all let go at once."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Reply:
        barrier.wait(timeout=60)
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def statuses(replies: list[Reply]) -> list[int]:
    return sorted(r.status for r in replies)


@pytest.fixture
def server(live_server):
    """(client, app, records): a staff user logged in to the live server (token and
    cookie), and an enterprise, a project and a follow-up of theirs."""
    base_url, app = live_server
    with app.app_context(), session_scope() as s:
        user = users.create_user(s, username="racer", password=PASSWORD, role="staff")
        token = users.create_token(s, user=user, name="race")
        ent = enterprises.create_enterprise(
            session=s, data={"name": "竞态测试科技有限公司", "province": "浙江省"}, user=user)
        project = projects.create_project(session=s, data={
            "name": "竞态测试项目", "city_code": "220100", "enterprise_id": ent.id,
            "stage": "lead", "planned_investment_wan": "5000"}, user=user)
        followup = followups.create_followup(session=s, data={
            "project_id": project.id, "kind": "call", "date": date.today().isoformat(),
            "summary": "电话沟通"}, user=user)
        ids = {"enterprises": ent.id, "projects": project.id, "followups": followup.id,
               "user": user.id}
    client = Client(base_url)
    client.token = token
    return client, app, ids


def read(app, fn):
    with app.app_context(), session_scope() as s:
        return fn(s)


def audit_count(app, object_type: str, object_id: int, action: str) -> int:
    return read(app, lambda s: s.exec(select(func.count()).select_from(AuditLog).where(
        AuditLog.object_type == object_type, AuditLog.object_id == object_id,
        AuditLog.action == action)).one())


MODELS = {"enterprises": (Enterprise, "enterprise", "notes"),
          "projects": (Project, "project", "notes"),
          "followups": (FollowUp, "followup", "summary")}


# --- versioned updates -----------------------------------------------------------------

@pytest.mark.parametrize("kind", list(MODELS))
def test_patches_with_one_version_let_exactly_one_win(server, kind):
    client, app, ids = server
    model, object_type, field = MODELS[kind]
    obj_id = ids[kind]
    version = read(app, lambda s: s.get(model, obj_id).version)

    replies = race(20, lambda i: client.api("PATCH", f"/api/v1/{kind}/{obj_id}",
                                            {"version": version, field: f"第{i}次修改"}))

    assert statuses(replies) == [200] + [409] * 19, [r.text for r in replies]
    winner = next(r.json() for r in replies if r.status == 200)
    loser = next(r.json() for r in replies if r.status == 409)
    assert "已被他人修改" in loser["error"] and loser["current"]["version"] == version + 1
    stored = read(app, lambda s: (s.get(model, obj_id).version, getattr(s.get(model, obj_id),
                                                                         field)))
    assert stored == (version + 1, winner[field])
    assert audit_count(app, object_type, obj_id, "update") == 1


def test_patches_without_a_version_lose_no_update(server):
    """No version given: each save that answers 200 is one more version, none is
    silently overwritten by a save that read the record before it."""
    client, app, ids = server
    obj_id = ids["projects"]
    before = read(app, lambda s: s.get(Project, obj_id).version)

    replies = race(20, lambda i: client.api("PATCH", f"/api/v1/projects/{obj_id}",
                                            {"notes": f"无版本修改{i}"}))

    assert set(statuses(replies)) <= {200, 409}, [r.text for r in replies]
    ok = [r.json() for r in replies if r.status == 200]
    after = read(app, lambda s: s.get(Project, obj_id).version)
    assert after - before == len(ok) == audit_count(app, "project", obj_id, "update")
    assert sorted(r["version"] for r in ok) == list(range(before + 1, after + 1))


def test_deletes_of_one_record_delete_it_once(server):
    client, app, ids = server
    obj_id = ids["enterprises"]
    before = read(app, lambda s: s.get(Enterprise, obj_id).version)

    replies = race(10, lambda i: client.api("DELETE", f"/api/v1/enterprises/{obj_id}"))

    codes = statuses(replies)
    assert codes.count(204) == 1 and set(codes) <= {204, 404, 409}, [r.text for r in replies]
    assert audit_count(app, "enterprise", obj_id, "delete") == 1
    assert read(app, lambda s: s.get(Enterprise, obj_id).version) == before + 1


# --- stage moves -----------------------------------------------------------------------

def _moves(app, project_id: int) -> list[tuple]:
    return read(app, lambda s: [(c.from_stage, c.to_stage) for c in s.exec(
        select(StageChange).where(StageChange.project_id == project_id)
        .order_by(StageChange.id))])


def test_api_stage_moves_from_one_state_make_one_move(server):
    client, app, ids = server
    obj_id = ids["projects"]
    version = read(app, lambda s: s.get(Project, obj_id).version)
    targets = ["contact", "visit", "negotiation", "signed"]

    replies = race(20, lambda i: client.api("POST", f"/api/v1/projects/{obj_id}/stage", {
        "stage": targets[i % 4], "version": version}))

    assert statuses(replies) == [200] + [409] * 19, [r.text for r in replies]
    moves = _moves(app, obj_id)
    assert len(moves) == 2 and moves[0] == (None, "lead") and moves[1][0] == "lead"
    assert audit_count(app, "project", obj_id, "stage") == 1
    project = read(app, lambda s: s.get(Project, obj_id))
    assert (project.stage, project.version) == (moves[1][1], version + 1)


def test_stage_moves_without_a_version_chain_one_after_another(server):
    """Without a version a move may follow another, but never two out of one state."""
    client, app, ids = server
    obj_id = ids["projects"]

    replies = race(12, lambda i: client.api("POST", f"/api/v1/projects/{obj_id}/stage", {
        "stage": "paused", "reason": f"资金未落实{i}"} if i % 2 else {"stage": "lead"}))

    assert set(statuses(replies)) <= {200, 409, 422}, [r.text for r in replies]
    moves = _moves(app, obj_id)
    assert [m[0] for m in moves[1:]] == [m[1] for m in moves[:-1]]  # a chain
    assert len(moves) - 1 == sum(r.status == 200 for r in replies)


def test_web_stage_moves_from_one_state_make_one_move(server):
    client, app, ids = server
    client.login("racer")
    obj_id = ids["projects"]
    token = client.csrf(f"/projects/{obj_id}")
    version = read(app, lambda s: s.get(Project, obj_id).version)

    replies = race(12, lambda i: client.form(f"/projects/{obj_id}/stage", {
        "to_stage": "contact" if i % 2 else "visit", "reason": "", "version": version,
        "csrf_token": token}))

    assert statuses(replies) == [302] + [409] * 11, [r.status for r in replies]
    assert all("已被他人修改" in r.text for r in replies if r.status == 409)
    assert len(_moves(app, obj_id)) == 2


# --- 到位资金 -------------------------------------------------------------------------

def test_fund_arrivals_at_once_sum_exactly(server):
    client, app, ids = server
    client.login("racer")
    obj_id = ids["projects"]
    token = client.csrf(f"/projects/{obj_id}")
    before = read(app, lambda s: s.get(Project, obj_id).version)

    replies = race(10, lambda i: client.form(f"/stats/projects/{obj_id}/funds", {
        "date": date.today().isoformat(), "amount_wan": str(i + 1), "note": f"第{i + 1}笔",
        "csrf_token": token}))

    assert statuses(replies) == [302] * 10, [r.text[:300] for r in replies]
    project = read(app, lambda s: s.get(Project, obj_id))
    arrivals = read(app, lambda s: s.exec(select(func.count()).select_from(FundArrival)).one())
    assert arrivals == 10
    assert project.actual_investment_wan == Decimal("55.00")
    assert project.version == before + 10  # every sync one version
    assert audit_count(app, "project", obj_id, "update") == 10


def test_followups_at_once_keep_the_project_dates(server):
    client, app, ids = server
    today = date.today()

    def new_project(s):
        actor = s.get(User, ids["user"])
        return projects.create_project(session=s, data={
            "name": "跟进竞态项目", "city_code": "220100", "stage": "contact"}, user=actor).id

    obj_id = read(app, new_project)

    replies = race(10, lambda i: client.api("POST", "/api/v1/followups", {
        "project_id": obj_id, "kind": "visit", "summary": f"上门拜访{i}",
        "date": (today - timedelta(days=20 - i)).isoformat(),
        "next_due": (today + timedelta(days=30 - i)).isoformat()}))

    assert statuses(replies) == [201] * 10, [r.text for r in replies]
    project = read(app, lambda s: s.get(Project, obj_id))
    assert project.last_followup_on == today - timedelta(days=11)
    assert project.next_due_on == today + timedelta(days=21)


# --- import confirm --------------------------------------------------------------------

def _multipart(fields: dict, file_field: str, filename: str, data: bytes) -> tuple:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append((f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                  f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n').encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_confirms_at_once_import_the_upload_once(server):
    client, app, _ids = server
    client.login("racer")
    token = client.csrf("/import")
    sheet = "企业名称,所在城市\n并发导入甲公司,长春\n并发导入乙公司,吉林\n".encode()
    body, content_type = _multipart({"kind": "enterprises", "csrf_token": token},
                                    "file", "名录.csv", sheet)
    upload = client.request("POST", "/import", body=body, content_type=content_type)
    assert upload.status == 302, upload.text
    preview = urlsplit(upload.headers["Location"]).path

    replies = race(8, lambda i: client.form(f"{preview}/confirm", {"csrf_token": token}))

    assert statuses(replies) == [302] * 8
    names = read(app, lambda s: sorted(s.exec(select(Enterprise.name).where(
        Enterprise.name.like("并发导入%"))).all()))
    assert names == ["并发导入乙公司", "并发导入甲公司"]
    page = client.request("GET", preview).text
    assert "已导入 2 行" in page


# --- unique columns --------------------------------------------------------------------

def test_api_creates_with_one_credit_code_make_one_enterprise(server):
    client, app, _ids = server

    replies = race(20, lambda i: client.api("POST", "/api/v1/enterprises", {
        "name": f"信用代码竞争企业{i}", "credit_code": CREDIT_CODE}))

    codes = statuses(replies)
    assert codes.count(201) == 1 and set(codes) <= {201, 409, 422}, [r.text for r in replies]
    for r in replies:
        if r.status != 201:
            assert r.json()["fields"]["credit_code"].startswith("统一社会信用代码："), r.text
    count = read(app, lambda s: s.exec(select(func.count()).select_from(Enterprise).where(
        Enterprise.credit_code == CREDIT_CODE)).one())
    assert count == 1


def test_web_creates_with_one_credit_code_make_one_enterprise(server):
    client, app, _ids = server
    client.login("racer")
    token = client.csrf("/enterprises/new")

    replies = race(10, lambda i: client.form("/enterprises/new", {
        "name": f"网页信用代码竞争企业{i}", "credit_code": CREDIT_CODE, "kind": "other",
        "priority": "2", "notes": "", "csrf_token": token}))

    codes = statuses(replies)
    assert codes == [302] + [422] * 9, codes
    assert all("统一社会信用代码：" in r.text for r in replies if r.status == 422)
    count = read(app, lambda s: s.exec(select(func.count()).select_from(Enterprise).where(
        Enterprise.credit_code == CREDIT_CODE)).one())
    assert count == 1

