"""Fixtures: a real database per test (SQLite file or PostgreSQL), the app, clients
logged in as each role, a live waitress server and real Chromium.

ZHAOSHANG_TEST_DB=sqlite (default) or postgresql selects the backend;
ZHAOSHANG_TEST_PG_URL points at a server (default: this machine's, trust auth).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from crm import create_app
from crm.db import get_engine, get_session, session_scope
from crm.migrate import upgrade
from crm.services import reference, users

BACKEND = os.environ.get("ZHAOSHANG_TEST_DB", "sqlite")
PG_URL = os.environ.get("ZHAOSHANG_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Test-Passw0rd!"
REFERENCE_TABLES = {"division", "park", "chainsegment", "jizhepairing", "policymeasure",
                    "alembic_version"}
CHROMIUM = "/usr/bin/chromium"


def pg_available(url: str = PG_URL) -> str | None:
    """None when a PostgreSQL server answers at ``url``, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: no server to test against
        return f"PostgreSQL 不可用（{url}）：{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database for this test session; dropped at the end."""
    problem = pg_available()
    if problem:
        pytest.skip(problem)
    name = f"zs_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _prepared_app(url: str, instance: Path):
    app = create_app(base_config(url, instance))
    with app.app_context():
        upgrade(app)
        with session_scope() as session:
            reference.seed_reference(session)
    return app


def base_config(url: str, instance: Path) -> dict:
    return {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, request):
    """Migrated and seeded once per session; each test gets a fresh copy."""
    if BACKEND == "postgresql":
        url = request.getfixturevalue("pg_database")
        app = _prepared_app(url, tmp_path_factory.mktemp("pg-instance"))
        get_engine(app).dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = _prepared_app(f"sqlite:///{path}", path.parent)
    get_engine(app).dispose()  # checkpoints the WAL into the file
    return path


def fresh_database_url(template_db, tmp_path: Path) -> str:
    if BACKEND == "postgresql":
        engine = create_engine(template_db)
        tables = [t for t in SQLModel.metadata.tables if t not in REFERENCE_TABLES]
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template_db
    target = tmp_path / "zhaoshang.db"
    shutil.copy(template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(template_db, tmp_path):
    app = create_app(base_config(fresh_database_url(template_db, tmp_path), tmp_path))
    if BACKEND == "postgresql":
        with app.app_context(), session_scope() as session:
            reference.seed_reference(session)  # brings back the industry-base enterprises
    yield app
    get_engine(app).dispose()


@pytest.fixture
def db(app):
    """The request-style session inside an app context."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: make_user('staff'), make_user('city', city_code='220300')."""
    counter = iter(range(1, 10_000))

    def make(role: str = "staff", city_code: str | None = None, username: str | None = None):
        with app.app_context(), session_scope() as session:
            user = users.create_user(
                session, username=username or f"{role}{next(counter)}", password=PASSWORD,
                role=role, city_code=city_code or ("220100" if role == "city" else None))
            session.expunge(user)
            return user

    return make


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_as(app, make_user):
    """Factory: a test client logged in with a new user of ``role``."""

    def make(role: str = "staff", city_code: str | None = None):
        user = make_user(role, city_code)
        c = app.test_client()
        response = login(c, user.username)
        assert response.status_code == 302, response.data
        c.user = user
        return c

    return make


@pytest.fixture
def staff_client(client_as):
    return client_as("staff")


@pytest.fixture
def staff(db, make_user):
    """A staff user attached to the test's session, for calling services."""
    user = make_user("staff")
    return db.merge(user)


# --- live server and browser ----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(template_db, tmp_path, request):
    """The real app on waitress, CSRF on, in a thread; yields (base_url, app).
    Its worker threads (4) can be set by indirect parametrization."""
    from waitress import wasyncore
    from waitress.server import create_server

    config = base_config(fresh_database_url(template_db, tmp_path), tmp_path)
    config["WTF_CSRF_ENABLED"] = True
    config.pop("TESTING")
    app = create_app(config)
    if BACKEND == "postgresql":
        with app.app_context(), session_scope() as session:
            reference.seed_reference(session)
    server = create_server(app, host="127.0.0.1", port=free_port(),
                           threads=getattr(request, "param", 4))
    stop = threading.Event()

    def serve() -> None:
        # waitress's own run() loops until its sockets are closed; closing them from
        # this thread while the loop selects on them races (EBADF). Loop in short
        # steps instead and close the server only after the loop has stopped.
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", app
    stop.set()
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)  # the listener and every kept-alive connection
    get_engine(app).dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"未找到 Chromium（{CHROMIUM}）：浏览器测试跳过；"
                    "安装：apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A page whose every request outside the live server is aborted (no internet)."""
    base_url, _app = live_server
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base_url) else route.abort())
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
