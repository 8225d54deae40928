"""``zhaoshang map -o FILE.html [filters]``: the map as one standalone file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from crm import clock
from crm.db import session_scope
from crm.map.data import (
    filters_from_args,
    generated_at,
    load_map_data,
    options_from_config,
    public_project_url,
)
from crm.services import reference
from maps.render import METRICS, build_map, standalone_html


@click.command("map")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="输出的 HTML 文件")
@click.option("--metric", type=click.Choice(list(METRICS)), default="count", show_default=True,
              help="市（州）着色指标：count 项目数 / planned 计划投资额 / "
                   "signed 签约项目投资额 / key_targets 重点招商企业数")
@click.option("--city", "city_code", help="落地市（州）代码，如 220300")
@click.option("--stage", help="阶段，如 signed")
@click.option("--segment", "chain_segment", help="产业链环节")
@click.option("--mode", "attraction_mode", help="招商方式，如 jizhe")
@click.option("--class", "project_class", type=click.Choice(["major", "supporting"]),
              help="项目类别")
@click.option("--case-by-case", "case_by_case", is_flag=True, default=None, help="仅一事一议项目")
@click.option("--jizhe", is_flag=True, default=None, help="仅吉浙项目")
@click.option("--base-url", default="",
              help="项目链接的站点地址，如 http://zhaoshang.intranet"
                   "（默认取 ZHAOSHANG_PUBLIC_BASE_URL；都未设置则不带链接）")
@with_appcontext
def map_command(output: Path, metric: str, base_url: str, **filter_args) -> None:
    """生成独立的产业招商地图 HTML 文件（脚本内嵌，可离线打开、邮件发送）。"""
    args = {k: ("1" if v is True else v) for k, v in filter_args.items() if v is not None}
    filters = filters_from_args(args)
    with session_scope() as session:
        data = load_map_data(session, filters)
        names = reference.division_names(session)
    options = options_from_config(current_app.config, metric=metric, filters=filters,
                                  project_url=public_project_url(current_app.config, base_url))
    html = standalone_html(build_map(data, options), options,
                           description=filters.describe(names),
                           generated=generated_at(clock.now()))
    output.write_text(html, encoding="utf-8")
    click.echo(f"已生成 {output}：{len(data.projects)} 个项目，"
               f"{len(html.encode()) / 1024:.0f} KB（筛选：{filters.describe(names)}）")
