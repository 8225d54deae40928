"""Consistent online backup and restore of the whole database.

SQLite: the sqlite3 backup API (a page-by-page copy that sees one committed state
while the app keeps running; WAL content is included). Restore runs the same API the
other way, after a safety copy of the current database next to it.
PostgreSQL: ``pg_dump --format=custom`` (one snapshot) and ``pg_restore --clean
--if-exists --single-transaction``.

The backup file is a tar archive of ``manifest.json``, the database copy
(``database.db`` or ``database.dump``) and the attachment files
(``attachments/ab/<stored name>``, see crm.services.attachments). The files are added
after the database copy is taken: they are written before their row is committed and
never changed or removed, so every row in the copy finds its file. Restore writes the
archive's files back (others already there stay: orphans harm nothing) and accepts a
bare database copy from before attachments too.

Both are written to the audit trail (backup as 导出 of object type ``database``;
restore as 恢复, recorded in the restored database so the trail shows it).
"""

from __future__ import annotations

import glob
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from crm import clock
from crm.models import Attachment
from crm.services import audit

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
ARCHIVE_FORMAT = "zhaoshang-backup"
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.db", "postgresql": "database.dump"}
# The only attachment members restore takes: attachments/<2 hex>/<32 hex>.
ATTACHMENT_MEMBER = re.compile(r"^attachments/([0-9a-f]{2})/(\1[0-9a-f]{30})$")


class BackupError(Exception):
    """A Chinese message for the command line."""


def backend(engine: Engine) -> str:
    return engine.url.get_backend_name()  # "sqlite" | "postgresql"


def default_filename(engine: Engine, now: datetime | None = None) -> str:
    stamp = (now or clock.now()).strftime("%Y%m%d-%H%M%S")
    return f"zhaoshang-{stamp}-{backend(engine)}.tar"


# --- backup ---------------------------------------------------------------------------

def backup(engine: Engine, target: Path, *, actor: str = "",
           attachments: Path | None = None) -> dict:
    """Write a consistent copy of the database and the attachment files under
    ``attachments`` to the archive ``target``; returns facts about it."""
    target = Path(target)
    if backend(engine) not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{backend(engine)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Recorded first, so the backup itself holds the record of its making.
    _audit(engine, action="export", summary=f"数据库备份至 {target}", actor=actor)
    try:
        with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as work:
            database = Path(work) / DATABASE_MEMBER[backend(engine)]
            if backend(engine) == "sqlite":
                _sqlite_backup(engine, database)
            else:
                _pg_dump(engine, database)
            files = _write_archive(target, engine, database, attachments)
    except Exception as exc:
        _audit(engine, action="export", summary=f"数据库备份失败：{exc}"[:500], actor=actor)
        raise
    return {"file": str(target), "bytes": target.stat().st_size, "backend": backend(engine),
            "attachments": files}


def _stored_files(attachments: Path | None) -> list[Path]:
    if attachments is None or not attachments.is_dir():
        return []
    return sorted(p for p in attachments.glob("??/*") if p.is_file() and ATTACHMENT_MEMBER.match(
        f"attachments/{p.parent.name}/{p.name}"))


def _write_archive(target: Path, engine: Engine, database: Path,
                   attachments: Path | None) -> int:
    """manifest, database, files, into a temporary file renamed into place: a reader
    never sees half an archive, and an old one of the same name survives a failure."""
    files = _stored_files(attachments)
    manifest = {"format": ARCHIVE_FORMAT, "version": 1, "backend": backend(engine),
                "database": database.name, "attachments": len(files),
                "created": datetime.now().astimezone().isoformat(timespec="seconds")}
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".tar", dir=target.parent)
    os.close(fd)
    try:
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as archive:
            blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(blob), int(datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(blob))
            archive.add(database, arcname=database.name, recursive=False)
            for path in files:
                archive.add(path, arcname=f"attachments/{path.parent.name}/{path.name}",
                            recursive=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(files)


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(database)


def _sqlite_backup(engine: Engine, target: Path) -> None:
    # Copy into a temporary file beside the target, then rename: a reader never sees
    # half a backup, and an old backup of the same name survives a failure.
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=target.parent)
    os.close(fd)
    try:
        source = sqlite3.connect(_sqlite_path(engine))
        dest = sqlite3.connect(tmp)
        try:
            with dest:
                source.backup(dest)
            # A self-contained file: no -wal beside it is needed to read it.
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
            source.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise BackupError(f"未找到 {name}：请安装 postgresql-client")
    return candidates[-1]


def _pg_conninfo(engine: Engine) -> tuple[str, dict]:
    """A libpq URL without the password, and the environment that carries it."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    url = url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} 失败：{result.stderr.strip()[-2000:]}")


def _pg_dump(engine: Engine, target: Path) -> None:
    dsn, env = _pg_conninfo(engine)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={tmp}", f"--dbname={dsn}"], env)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


# --- restore --------------------------------------------------------------------------

def restore(engine: Engine, source: Path, *, actor: str = "",
            attachments: Path | None = None) -> dict:
    """Bring the database, and the attachment files under ``attachments``, back to
    the state in ``source`` (an archive of ``backup``, or a bare database copy)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"备份文件不存在：{source}")
    if not _is_archive(source):
        return _restore_database(engine, source, actor=actor)
    scratch = attachments.parent if attachments is not None else None
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source, "r:") as archive, \
            tempfile.TemporaryDirectory(prefix=".restore-", dir=scratch) as work:
        manifest = _manifest(archive)
        database = _extract_database(archive, manifest, Path(work))
        facts = _restore_database(engine, database, actor=actor, shown=source)
        facts["attachments"] = _restore_files(archive, attachments) if attachments else 0
    facts["missing"] = _missing_files(engine, attachments) if attachments else []
    return facts


def _is_archive(source: Path) -> bool:
    head = _head(source)
    if head.startswith((SQLITE_MAGIC, PG_MAGIC)):
        return False
    return tarfile.is_tarfile(source)


def _manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read(1024 * 1024))
    except (KeyError, AttributeError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise BackupError("该文件不是招商通的备份（缺少 manifest.json）")
    return manifest


def _extract_database(archive: tarfile.TarFile, manifest: dict, work: Path) -> Path:
    name = manifest.get("database")
    if name not in DATABASE_MEMBER.values():
        raise BackupError("备份文件损坏：manifest.json 未指明数据库文件")
    try:
        member = archive.getmember(name)
    except KeyError:
        raise BackupError(f"备份文件损坏：缺少 {name}") from None
    if not member.isfile():
        raise BackupError(f"备份文件损坏：{name} 不是普通文件")
    target = work / name
    with archive.extractfile(member) as data, target.open("wb") as out:
        shutil.copyfileobj(data, out, 1024 * 1024)
    return target


def _restore_files(archive: tarfile.TarFile, attachments: Path) -> int:
    """Write back every attachment member (only names of the form we store, as
    regular files: an archive cannot write anywhere else)."""
    count = 0
    for member in archive:
        if not (member.isfile() and ATTACHMENT_MEMBER.match(member.name)):
            continue
        folder = attachments / member.name.split("/")[1]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / member.name.rsplit("/", 1)[1]
        tmp = folder / f".{target.name}.restoring"
        with archive.extractfile(member) as data, tmp.open("wb") as out:
            shutil.copyfileobj(data, out, 1024 * 1024)
        os.replace(tmp, target)
        count += 1
    return count


def _missing_files(engine: Engine, attachments: Path) -> list[str]:
    """Stored names of attachment rows whose file is not there after the restore."""
    try:
        with Session(engine) as session:
            names = session.exec(select(Attachment.stored_name)).all()
    except SQLAlchemyError:  # a database from before attachments (0018)
        return []
    return [n for n in names if not (attachments / n[:2] / n).is_file()]


def _restore_database(engine: Engine, source: Path, *, actor: str,
                      shown: Path | None = None) -> dict:
    head = _head(source)
    shown = shown or source
    engine.dispose()  # no pooled connection of ours holds a lock during the restore
    facts: dict = {"file": str(shown), "backend": backend(engine)}
    if backend(engine) == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError("该文件不是 SQLite 备份（当前数据库为 SQLite）")
        facts["safety_copy"] = str(_sqlite_restore(engine, source))
    elif backend(engine) == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError("该文件不是 pg_dump 自定义格式备份（当前数据库为 PostgreSQL）")
        _pg_restore(engine, source)
    else:
        raise BackupError(f"不支持的数据库类型：{backend(engine)}")
    engine.dispose()
    _audit(engine, action="restore", summary=f"从备份 {shown} 恢复数据库", actor=actor)
    return facts


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(16)


def _sqlite_restore(engine: Engine, source: Path) -> Path:
    current = _sqlite_path(engine)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        problem = src.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"备份文件已损坏：{problem}")
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            raise BackupError("该文件不是招商通的数据库备份（缺少 alembic_version 表）")
        safety = current.with_name(
            f"{current.stem}.before-restore-{clock.now():%Y%m%d-%H%M%S}{current.suffix}")
        if current.exists():
            _sqlite_backup(engine, safety)
        dest = sqlite3.connect(current, timeout=60)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()
    return safety


def _pg_restore(engine: Engine, source: Path) -> None:
    dsn, env = _pg_conninfo(engine)
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={dsn}", str(source)], env)


# --- audit ----------------------------------------------------------------------------

def _audit(engine: Engine, *, action: str, summary: str, actor: str) -> None:
    with Session(engine) as session:
        audit.record(session, user=None, username=actor or "命令行", action=action,
                     object_type="database", summary=summary)
        session.commit()
