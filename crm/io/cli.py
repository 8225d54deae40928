"""`zhaoshang export` and `zhaoshang import`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from crm import records
from crm.db import session_scope
from crm.models import User
from crm.services import exporting, importing
from crm.tabular.divisions import parse_city_code
from crm.tabular.limits import ReadLimits
from crm.tabular.values import CellError


def _user(session, username: str | None) -> User:
    """The named user, else ZHAOSHANG_CLI_USER, else the first active admin."""
    username = username or os.environ.get("ZHAOSHANG_CLI_USER")
    stmt = select(User).where(User.is_active.is_(True))
    stmt = (
        stmt.where(User.username == username)
        if username
        else stmt.where(User.role == "admin").order_by(User.id)
    )
    user = session.exec(stmt).first()
    if user is None:
        raise click.ClickException(
            f"用户 {username} 不存在或已停用"
            if username
            else "没有可用的管理员账号，请用 --user 指定操作用户"
        )
    return user


@click.command("export")
@click.argument("kind", type=click.Choice(records.exportable()))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(exporting.FORMATS),
    default=None,
    help="默认按输出文件扩展名",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--q", default=None, help="关键词")
@click.option("--city-code", default=None, help="市（州），如 220100 或 长春")
@click.option("--stage", default=None, help="项目阶段，如 negotiation")
@click.option("--chain-segment", default=None)
@click.option("--case-by-case/--no-case-by-case", default=None, help="一事一议")
@click.option("--jizhe/--no-jizhe", default=None, help="吉浙")
@click.option("--deleted", is_flag=True, help="导出回收站")
@click.option("--filter", "extra", multiple=True, metavar="KEY=VALUE", help="其他筛选条件")
@click.option("--user", "username", default=None)
@with_appcontext
def export_command(
    kind,
    fmt,
    output,
    q,
    city_code,
    stage,
    chain_segment,
    case_by_case,
    jizhe,
    deleted,
    extra,
    username,
) -> None:
    """导出企业、项目、跟进记录、一事一议台账或吉浙线索（与列表页筛选一致）。"""
    fmt = fmt or (output.suffix.lstrip(".").lower() if output.suffix else "xlsx")
    if fmt not in exporting.FORMATS:
        raise click.BadParameter("格式应为 xlsx 或 csv", param_hint="--format")
    args = {
        "q": q,
        "stage": stage,
        "chain_segment": chain_segment,
        "case_by_case": _flag(case_by_case),
        "jizhe": _flag(jizhe),
        "deleted": "1" if deleted else None,
    }
    if city_code:
        try:
            args["city_code"] = parse_city_code(city_code)
        except CellError as exc:
            raise click.BadParameter(str(exc), param_hint="--city-code") from None
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"应为 KEY=VALUE：{item}", param_hint="--filter")
        args[key.strip()] = value.strip()
    args = {k: v for k, v in args.items() if v is not None}
    with session_scope() as session:
        user = _user(session, username) if username or _has_users(session) else None
        result = exporting.export_list(
            session=session, kind=kind, args=args, fmt=fmt, target=output, user=user
        )
    click.echo(f"已导出{result.title} {result.count} 行（{result.description}）→ {output}")


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


def _has_users(session) -> bool:
    return session.exec(select(User.id).where(User.role == "admin")).first() is not None


@click.command("import")
@click.argument("kind", type=click.Choice(list(records.importable())))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查，不写入")
@click.option("--include-similar", is_flag=True, help="疑似重复的行也导入")
@click.option(
    "--status-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把原表加上“导入结果”列另存为 .xlsx",
)
@click.option("--user", "username", default=None, help="以哪个用户的身份导入（默认第一个管理员）")
@with_appcontext
def import_command(kind, file, dry_run, include_similar, status_out, username) -> None:
    """从 Excel/CSV 导入企业或项目；有行被拒绝时以非零状态退出。"""
    data = file.read_bytes()
    with session_scope() as session:
        user = _user(session, username)
        report = importing.run_import(
            session=session,
            kind=kind,
            data=data,
            filename=file.name,
            user=user,
            commit=not dry_run,
            include_similar=include_similar,
            limits=ReadLimits.from_config(current_app.config),
        )
    for note in report.notes:
        click.echo(note)
    for row in report.rows:
        if row.status in ("invalid", "exists", "similar"):
            click.echo(f"第 {row.number} 行 {row.name}：{row.label}。{row.message}")
    if status_out is not None and not report.error:
        importing.write_status_sheet(status_out, data=data, filename=file.name, report=report)
    prefix = "（试运行，未写入）" if dry_run else ""
    click.echo(prefix + report.summary())
    if not report.ok:
        raise SystemExit(1)
