"""Run Alembic from inside the app: `zhaoshang init` upgrades, never drops."""

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask

from crm.db import get_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask) -> None:
    cfg = alembic_config(app.config["DATABASE_URL"])
    with get_engine(app).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def make_revision(url: str, message: str) -> None:
    """Developer helper: autogenerate a migration against an up-to-date database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
