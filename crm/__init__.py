"""招商通 application factory."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from flask import Flask

from crm import clock
from crm.config import PROJECT_ROOT, Config

# Each area is a blueprint module exposing `bp`; add a line to add an area.
BLUEPRINTS = [
    "crm.auth.views",
    "crm.main.views",
    "crm.enterprises.views",
    "crm.projects.views",
    "crm.followups.views",
    "crm.admin.views",
    "crm.api.views",
    "crm.map.views",
    "crm.io.views",
    "crm.stats.views",
    "crm.stats.api",
    "crm.errors",
]


def create_app(config: dict | None = None) -> Flask:
    settings = Config().as_dict() | (config or {})
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    clock.check_zone(app.config["TIMEZONE"])  # a misspelt zone fails at start, not per page
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_security(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from crm import db
    from crm.extensions import bootstrap, csrf, login_manager

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)


def register_blueprints(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)


def register_template_helpers(app: Flask) -> None:
    from crm import formatting

    formatting.init_app(app)


def register_security(app: Flask) -> None:
    from crm import security

    security.init_app(app)


def register_cli(app: Flask) -> None:
    from crm.cli import register_commands

    register_commands(app)
