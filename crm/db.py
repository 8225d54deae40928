"""Engine per app (built in create_app, never at import) and a Session per request."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from crm import searchkeys

SQLITE_BUSY_TIMEOUT_MS = 15000
# Pages are read from a memory map of the file, not copied in by a read() each: list
# pages at 100k enterprises / 300k follow-ups take 10–25 % less CPU (bench/README.md).
# Address space only; the operating system's page cache holds the data either way.
SQLITE_MMAP_BYTES = 1 << 30


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets readers go on while one writer writes; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cur.close()
    # the short-keyword index's triggers compute their text in Python (migration 0006)
    searchkeys.register_sqlite_functions(dbapi_conn)


def init_app(app: Flask) -> None:
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["db_engine"]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None):
    """A session for CLI commands and scripts: commit on success, roll back on error."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
