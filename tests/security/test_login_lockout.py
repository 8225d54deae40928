"""Login attempts: counted atomically (40 parallel wrong passwords against a real
server lock exactly at the limit), locked per (username, client address) with a
ceiling across addresses, one message for every failure, and about the same time for
an unknown user as for a known one."""

from __future__ import annotations

import re
import statistics
import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlmodel import select

from crm.db import session_scope
from crm.models import AuditLog, User
from tests.conftest import PASSWORD, login

WRONG = "Wrong-Passw0rd!"


class FromAddress(HTTPAdapter):
    """Connect from a given local address (127.0.0.2 is loopback too on Linux)."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser_from(address: str) -> requests.Session:
    s = requests.Session()
    adapter = FromAddress(address)
    s.mount("http://", adapter)
    return s


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def live_login(base: str, address: str, username: str, password: str) -> requests.Response:
    s = browser_from(address)
    token = _csrf(s.get(f"{base}/login").text)
    return s.post(f"{base}/login", data={"username": username, "password": password,
                                         "csrf_token": token}, allow_redirects=False)


def _message(html: str) -> str:
    return re.search(r'class="alert alert-danger"[^>]*>([^<]*)<', html).group(1).strip()


def _failures(app, username: str) -> list[str]:
    with app.app_context(), session_scope() as s:
        return [e.summary for e in s.exec(select(AuditLog).where(
            AuditLog.action == "login_failed", AuditLog.username == username))]


def test_parallel_wrong_passwords_lock_exactly_at_the_limit(live_server, make_user):
    base, app = live_server
    limit = app.config["LOGIN_MAX_FAILURES"]
    user = make_user("staff")
    browsers, tokens = [], []
    for _ in range(40):
        s = browser_from("127.0.0.1")
        tokens.append(_csrf(s.get(f"{base}/login").text))
        browsers.append(s)
    start = threading.Barrier(40)
    answers = [None] * 40

    def attempt(i: int) -> None:
        start.wait()
        answers[i] = browsers[i].post(
            f"{base}/login", data={"username": user.username, "password": WRONG,
                                   "csrf_token": tokens[i]}, allow_redirects=False)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(a is not None and a.status_code == 200 for a in answers)
    assert len({_message(a.text) for a in answers}) == 1  # one message for all of them
    summaries = _failures(app, user.username)
    assert len(summaries) == 40
    # exactly `limit` passwords were checked; the others were refused unchecked
    assert sum(s.startswith("密码错误") for s in summaries) == limit
    # locked now from this address, even with the right password ...
    assert live_login(base, "127.0.0.1", user.username, PASSWORD).status_code == 200
    # ... but not from another one: guessing here does not lock the real user out there
    r = live_login(base, "127.0.0.2", user.username, PASSWORD)
    assert r.status_code == 302 and "/login" not in r.headers["Location"]


def test_lock_is_per_address_in_the_test_client(app, make_user):
    app.config.update(LOGIN_MAX_FAILURES=3)
    user = make_user("viewer")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    for _ in range(5):
        assert login(attacker, user.username, WRONG).status_code == 200
    assert login(attacker, user.username).status_code == 200  # locked there
    assert login(app.test_client(), user.username).status_code == 302  # not here


def test_ceiling_across_addresses_locks_everywhere_and_is_shown(app, client_as, make_user):
    app.config.update(LOGIN_MAX_FAILURES=3, LOGIN_CEILING=7)
    admin = client_as("admin")
    user = make_user("viewer")
    for _ in range(10):  # good logins give back their place: ten are not ten failures
        assert login(app.test_client(), user.username).status_code == 302
    for n in range(7):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = f"10.0.0.{n // 2 + 1}"  # two tries per address
        assert login(c, user.username, WRONG).status_code == 200
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert login(fresh, user.username).status_code == 200  # right password, refused
    assert any("全部地址锁定" in s for s in _failures(app, user.username))  # audited
    html = admin.get("/admin").get_data(as_text=True)
    assert "临时锁定（全部地址）" in html
    user_id = user.id
    assert admin.post(f"/admin/users/{user_id}/unlock").status_code == 302
    assert login(fresh, user.username).status_code == 302
    with app.app_context(), session_scope() as s:
        assert s.get(User, user_id).locked_until is None


def test_one_message_for_every_failure(app, make_user):
    app.config.update(LOGIN_MAX_FAILURES=2)
    wrong, locked, disabled = make_user("staff"), make_user("staff"), make_user("staff")
    with app.app_context(), session_scope() as s:
        s.get(User, disabled.id).is_active = False
    for _ in range(2):
        login(app.test_client(), locked.username, WRONG)
    answers = {
        "unknown": login(app.test_client(), "no-such-user", WRONG),
        "wrong": login(app.test_client(), wrong.username, WRONG),
        "locked, right password": login(app.test_client(), locked.username),
        "locked, wrong password": login(app.test_client(), locked.username, WRONG),
        "disabled, right password": login(app.test_client(), disabled.username),
        "disabled, wrong password": login(app.test_client(), disabled.username, WRONG),
    }
    messages = {case: _message(r.get_data(as_text=True)) for case, r in answers.items()}
    assert all(r.status_code == 200 for r in answers.values())
    assert len(set(messages.values())) == 1, messages
    [message] = set(messages.values())
    assert "已临时锁定" not in message and "已停用" not in message
    # the audit trail still tells the admins why
    assert any("已停用" in s for s in _failures(app, disabled.username))
    assert any("锁定" in s for s in _failures(app, locked.username))


@pytest.mark.parametrize("rounds", [9])
def test_unknown_user_takes_about_as_long_as_a_known_one(app, make_user, rounds):
    app.config.update(LOGIN_MAX_FAILURES=1000, LOGIN_CEILING=1000)
    user = make_user("staff")
    client = app.test_client()
    login(client, "warm-up", WRONG)  # first use computes the dummy hash
    known, unknown = [], []
    for n in range(rounds):
        for name, times in ((user.username, known), (f"nobody{n}", unknown)):
            started = time.perf_counter()
            assert login(client, name, WRONG).status_code == 200
            times.append(time.perf_counter() - started)
    k, u = statistics.median(known), statistics.median(unknown)
    assert max(k, u) / min(k, u) < 2, (k, u)
