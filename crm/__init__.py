"""招商通 application factory."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from flask import Flask

from crm import clock
from crm.config import PROJECT_ROOT, Config

# Each area is a blueprint module exposing `bp` (or `make_blueprint()`, made per app: the
# API's routes follow the record types registered then); add a line to add an area.
BLUEPRINTS = [
    "crm.auth.views",
    "crm.main.views",
    "crm.enterprises.views",
    "crm.projects.views",
    "crm.followups.views",
    "crm.admin.views",
    "crm.api.views",
    "crm.api.attachments",
    "crm.attachments.views",
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
        area = import_module(module)
        made = getattr(area, "make_blueprint", None)
        app.register_blueprint(made() if made else area.bp)
    register_record_pages(app)


def register_record_pages(app: Flask) -> None:
    """The generic pages of every record type without a view module of its own
    (crm.generic; a type declared in crm.records needs no view code)."""
    from crm import generic, records

    for record_type in records.REGISTRY.values():
        if record_type.name not in app.blueprints:
            generic.register(app, record_type)


def register_template_helpers(app: Flask) -> None:
    from crm import formatting

    formatting.init_app(app)


def register_security(app: Flask) -> None:
    from crm import security

    security.init_app(app)


def register_cli(app: Flask) -> None:
    from crm.cli import register_commands

    register_commands(app)
