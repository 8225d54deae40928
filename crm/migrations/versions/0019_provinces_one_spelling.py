"""provinces are stored one way; enterprises outside Jilin get their city's code

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:00:00

吉林 → 吉林省, 广西 → 广西壮族自治区 … in enterprise.province and
project.source_province (浙江 was already stored as 浙江省). An enterprise without a
city code whose province and city are an official pair of GB/T 2260
(seeds/china_divisions.csv: 陕西省 + 西安市) gets that city's code, so the filters
find the enterprises of 西安 or 深圳 stored before. Nothing else is guessed: a city
that was stored wrongly before this release cannot be told from its text. Downgrade
leaves the data as it is (the full names are valid in the old release too).
"""
import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLE = Path(__file__).resolve().parents[3] / "seeds" / "china_divisions.csv"
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "台湾省", "香港特别行政区", "澳门特别行政区",
)
SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def _short(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def upgrade() -> None:
    conn = op.get_bind()
    for full in PROVINCES:
        short = _short(full)
        conn.execute(sa.text("UPDATE enterprise SET province = :full WHERE province = :short"),
                     {"full": full, "short": short})
        conn.execute(sa.text("UPDATE project SET source_province = :full "
                             "WHERE source_province = :short"), {"full": full, "short": short})
    if not TABLE.exists():
        return
    with TABLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pairs = [(r["province"], r["name"], r["code"]) for r in rows if r["level"] == "prefecture"]
    pairs += [(r["province"], r["name"], r["code"]) for r in rows if r["level"] == "province"
              and r["code"][:2] in ("11", "12", "31", "50")]  # 北京市 is its own city
    for province, city, code in pairs:
        conn.execute(sa.text("UPDATE enterprise SET city_code = :code WHERE city_code IS NULL "
                             "AND province = :province AND city = :city"),
                     {"code": code, "province": province, "city": city})


def downgrade() -> None:
    pass
