"""The `zhaoshang` command group. Each area registers its own commands here."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from crm import rules
from crm.admin.cli import audit_cli, backup_command, restore_command
from crm.db import session_scope
from crm.io.cli import export_command, import_command
from crm.map.cli import map_command
from crm.services import demo, reference, users
from crm.services.errors import ValidationFailed

user_cli = AppGroup("user", help="用户管理")
token_cli = AppGroup("token", help="API 令牌")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """创建或升级数据库（从不删除数据）。"""
    from crm.migrate import upgrade

    upgrade(current_app)
    click.echo(f"数据库已就绪：{_safe_url(current_app.config['DATABASE_URL'])}")


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """载入参考数据（行政区划、园区、产业链、吉浙结对、政策条款），可重复执行。"""
    with session_scope() as session:
        counts = reference.seed_reference(session)
    click.echo("参考数据已载入：" + "，".join(f"{k} {v}" for k, v in counts.items()))


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """添加演示数据（每条记录标有【演示】）。"""
    with session_scope() as session:
        owner = _demo_user(session, "demo", "staff", "演示账号")
        _demo_user(session, "demo-admin", "admin", "演示管理员")
        _demo_user(session, "demo-city", "city", "演示长春市用户", city_code="220100")
        counts = demo.load_demo(session, user=owner)
    click.echo("演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1),
              help="每个进程的线程数")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="waitress 进程数；默认每个 CPU 核一个（Windows 上为 1）")
@with_appcontext
def serve_command(host: str, port: int, threads: int, workers: int | None) -> None:
    """用生产级 WSGI 服务器（waitress）启动。"""
    from crm import server

    workers = server.worker_count(workers)
    click.echo(f"招商通已启动：http://{host}:{port}/（{workers} 个进程）")
    server.run(current_app._get_current_object(), host=host, port=port, threads=threads,
               workers=workers, ident="zhaoshang")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(list(rules.ROLES)), required=True)
@click.option("--city", "city_code", default=None, help="市（州）用户的城市代码，如 220100")
@click.option("--name", "display_name", default="")
def user_create(username: str, role: str, city_code: str | None, display_name: str) -> None:
    """新建用户；密码取自 ZHAOSHANG_PASSWORD 或交互输入。"""
    password = os.environ.get("ZHAOSHANG_PASSWORD") or click.prompt(
        "密码", hide_input=True, confirmation_prompt=True)
    with session_scope() as session:
        try:
            users.create_user(session, username=username, password=password, role=role,
                              city_code=city_code, display_name=display_name)
        except ValidationFailed as exc:
            raise click.ClickException("；".join(exc.fields.values())) from None
    click.echo(f"已创建用户 {username}（{rules.ROLES[role]}）")


@user_cli.command("set-password")
@click.argument("username")
def user_set_password(username: str) -> None:
    """设置用户密码（取自 ZHAOSHANG_PASSWORD 或交互输入）；结束其全部登录会话、撤销其 API 令牌。"""
    password = os.environ.get("ZHAOSHANG_PASSWORD") or click.prompt(
        "新密码", hide_input=True, confirmation_prompt=True)
    with session_scope() as session:
        user = _existing_user(session, username)
        try:
            users.reset_password(session, user=user, new=password, actor=None,
                                 actor_name=_cli_actor())
        except ValidationFailed as exc:
            raise click.ClickException("；".join(exc.fields.values())) from None
    click.echo(f"已设置用户 {username} 的密码；其登录会话已结束，API 令牌已撤销")


@token_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="有效天数；默认 ZHAOSHANG_TOKEN_DAYS（180）")
def token_create(username: str, name: str, days: int | None) -> None:
    """为用户创建 API 令牌并打印（只显示一次）。"""
    with session_scope() as session:
        user = _existing_user(session, username)
        click.echo(users.create_token(session, user=user, name=name,
                                      days=days or current_app.config["TOKEN_DAYS"]))


@token_cli.command("revoke")
@click.argument("username")
def token_revoke(username: str) -> None:
    """撤销用户的全部 API 令牌。"""
    from crm.services import audit

    with session_scope() as session:
        user = _existing_user(session, username)
        count = users.revoke_tokens(session, user=user)
        audit.record(session, user=None, username=_cli_actor(), action="user", obj=user,
                     summary=f"撤销 {username} 的全部 API 令牌（{count} 个）")
    click.echo(f"已撤销用户 {username} 的 {count} 个 API 令牌")


def _existing_user(session, username: str):
    user = users.get_by_username(session, username)
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在")
    return user


def _cli_actor() -> str:
    from crm.admin.cli import _actor

    return _actor()


def _demo_user(session, username: str, role: str, display_name: str, city_code=None):
    """Demo accounts share one password (ZHAOSHANG_DEMO_PASSWORD overrides it)."""
    return users.get_by_username(session, username) or users.create_user(
        session, username=username, password=_demo_password(), role=role,
        city_code=city_code, display_name=display_name)


def _demo_password() -> str:
    return os.environ.get("ZHAOSHANG_DEMO_PASSWORD", "Demo-zhaoshang-2023")


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


COMMANDS = [init_command, seed_command, demo_command, serve_command, user_cli, token_cli,
            map_command, export_command, import_command,
            backup_command, restore_command, audit_cli]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    from crm import create_app

    FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
               add_version_option=False, load_dotenv=False, help="招商通命令行").main(
        prog_name="zhaoshang")
