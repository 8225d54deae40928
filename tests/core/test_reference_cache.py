"""Divisions and segments are read once per process and database (every list page
shows them). A stamp in the database, bumped in the transaction of every write of
reference data, makes every process read them again: no restart after `zhaoshang seed`,
whichever process or machine wrote."""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import requests
from sqlalchemy import update
from sqlmodel import Session

import crm
from crm.db import make_engine, session_scope
from crm.models import Division
from crm.services import funding, reference, settings, users
from tests.conftest import PASSWORD

ROOT = Path(crm.__file__).resolve().parents[1]


def _elsewhere(app, write) -> None:
    """``write(session)`` through an engine of its own: what another process does."""
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        with Session(engine) as session:
            write(session)
            session.commit()
    finally:
        engine.dispose()


def _rename(name: str):
    return lambda s: s.execute(update(Division).where(Division.code == "220100")
                               .values(name=name))


def _names(app) -> dict[str, str]:
    with app.app_context(), session_scope() as session:  # one session: one request
        return reference.division_names(session)


def test_the_copy_is_kept_until_the_stamp_moves(app):
    assert _names(app)["220100"] == "长春市"
    _elsewhere(app, _rename("改名市"))  # no stamp: this process keeps its copy
    assert _names(app)["220100"] == "长春市"
    _elsewhere(app, reference.changed)
    assert _names(app)["220100"] == "改名市"
    with app.app_context(), session_scope() as session:
        copy = reference.jilin_prefectures(session)[0]
        copy.name = "别动"  # a copy, detached: changing it writes nothing
    with app.app_context(), session_scope() as session:
        reference.seed_reference(session)  # seeds win, and this process reads them again
    assert _names(app)["220100"] == "长春市"
    with app.app_context(), session_scope() as session:
        assert session.get(Division, "220100").name == "长春市"
        assert [d.code for d in reference.counties_of(session, "220100")][:1] == ["220102"]


def test_the_stamp_is_read_once_per_session(app):
    with app.app_context(), session_scope() as session:
        reference.division_names(session)
        _elsewhere(app, _rename("改名市"))
        _elsewhere(app, reference.changed)
        # within one request the lists stay as they were when it began
        assert reference.division_names(session)["220100"] == "长春市"
    assert _names(app)["220100"] == "改名市"


def test_bumps_are_atomic(app):
    def bump_five() -> None:
        for _ in range(5):
            with app.app_context(), session_scope() as session:
                settings.bump(session, "test_counter")

    threads = [threading.Thread(target=bump_five) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context(), session_scope() as session:
        assert settings.counter(session, "test_counter") == 40


def test_reward_rule_edits_move_the_stamp(app, db, make_user):
    admin = db.merge(make_user("admin"))
    before = settings.counter(db, reference.VERSION_KEY)
    funding.set_reward_rule(session=db, city_code="220100", rate_percent="1", user=admin)
    after_set = settings.counter(db, reference.VERSION_KEY)
    funding.delete_reward_rule(session=db, city_code="220100", user=admin)
    assert before < after_set < settings.counter(db, reference.VERSION_KEY)


# --- a running server and `zhaoshang seed` in another process ---------------------------

def _zhaoshang(app, *args: str) -> str:
    env = {**os.environ, "ZHAOSHANG_DATABASE_URL": app.config["DATABASE_URL"],
           "ZHAOSHANG_INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "ZHAOSHANG_SECRET_KEY": "test-secret", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", "from crm.cli import main; main()", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _browser(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    html = browser.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    reply = browser.post(f"{base}/login", allow_redirects=False, data={
        "username": username, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302
    return browser


def test_a_running_server_follows_zhaoshang_seed_without_restart(live_server):
    base, app = live_server
    with app.app_context(), session_scope() as session:
        users.create_user(session, username="ref-reader", password=PASSWORD, role="staff")
    browser = _browser(base, "ref-reader")

    def form() -> str:
        reply = browser.get(f"{base}/projects/new")
        assert reply.status_code == 200
        return reply.text

    assert "长春市" in form()
    _elsewhere(app, lambda s: (_rename("春城测试市")(s), reference.changed(s)))
    assert "春城测试市" in form() and "长春市" not in form()
    assert "参考数据已载入" in _zhaoshang(app, "seed")  # another process, as in production
    page = form()
    assert "长春市" in page and "春城测试市" not in page
