"""`zhaoshang backup`, `zhaoshang restore` and `zhaoshang audit verify`."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from crm.db import get_engine, session_scope
from crm.services import audit
from crm.services import backup as backup_service
from crm.views_common import attachment_store

audit_cli = AppGroup("audit", help="审计日志")


def _actor() -> str:
    try:
        return f"命令行:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "命令行"


@click.command("backup")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="备份文件（tar：数据库与附件）；"
                                               "默认 instance/backups/zhaoshang-时间.tar")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """在线备份数据库与附件（SQLite 备份 API；PostgreSQL 用 pg_dump 自定义格式）。"""
    engine = get_engine()
    if output is None:
        output = Path(current_app.instance_path) / "backups" / backup_service.default_filename(
            engine)
    try:
        facts = backup_service.backup(engine, output, actor=_actor(),
                                      attachments=_attachments_dir())
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已备份到 {facts['file']}（{facts['bytes']:,} 字节，含附件 "
               f"{facts['attachments']} 个）")


def _attachments_dir() -> Path:
    return attachment_store().root


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不再确认")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """从备份文件恢复数据库与附件（当前数据将被备份中的数据替换）。"""
    if not yes:
        click.confirm(f"用 {source} 替换当前数据库的全部数据？", abort=True)
    try:
        facts = backup_service.restore(get_engine(), source, actor=_actor(),
                                       attachments=_attachments_dir())
    except backup_service.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    message = f"已从 {facts['file']} 恢复数据库"
    if "attachments" in facts:
        message += f"和 {facts['attachments']} 个附件文件"
    if facts.get("safety_copy"):
        message += f"；恢复前的数据库已另存为 {facts['safety_copy']}"
    click.echo(message)
    if facts.get("missing"):
        click.echo(f"警告：{len(facts['missing'])} 个附件的文件不在附件目录中"
                   f"（{_attachments_dir()}），这些附件将无法下载。", err=True)


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """校验审计日志的哈希链：报告第一处断链，断链时以非零状态退出。"""
    with session_scope() as session:
        check = audit.verify(session)
    if not check.ok:
        raise click.ClickException(f"审计链已断开：{check.broken}（此前 {check.count} 条完好）")
    click.echo(f"审计链完整：共 {check.count} 条记录，末条哈希 {check.last_hash or '（无）'}")
