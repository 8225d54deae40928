"""Migration 0019: provinces stored one way, city codes for enterprises outside Jilin."""

from alembic import command
from sqlalchemy import text

from crm.db import get_engine
from crm.migrate import alembic_config
from crm.services.enterprises import create_enterprise

ROWS = [  # (name, province, city) as an older release stored them
    ("迁移甲公司", "吉林", "长春市"),
    ("迁移乙公司", "陕西", "西安市"),
    ("迁移丙公司", "广东省", "深圳市"),
    ("迁移丁公司", "北京", "北京市"),
    ("迁移戊公司", "广西", "西安市"),  # not an official pair: no code
    ("迁移己公司", "火星", None),
]


def test_0019_normalises_provinces_and_fills_city_codes(app, db, staff):
    for name, _, _ in ROWS:
        create_enterprise(session=db, user=staff, data={"name": name})
    cfg = alembic_config(app.config["DATABASE_URL"])
    with get_engine(app).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    with get_engine(app).begin() as conn:  # as the release before stored them
        for name, province, city in ROWS:
            conn.execute(text("UPDATE enterprise SET province = :p, city = :c, city_code = NULL "
                              "WHERE name = :n"), {"n": name, "p": province, "c": city})
    with get_engine(app).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with get_engine(app).connect() as conn:
        got = {r[0]: (r[1], r[2]) for r in conn.execute(text(
            "SELECT name, province, city_code FROM enterprise WHERE name LIKE '迁移%'"))}
    assert got == {
        "迁移甲公司": ("吉林省", "220100"),
        "迁移乙公司": ("陕西省", "610100"),
        "迁移丙公司": ("广东省", "440300"),
        "迁移丁公司": ("北京市", "110000"),
        "迁移戊公司": ("广西壮族自治区", None),
        "迁移己公司": ("火星", None),
    }
