"""callcenter: prepaid outbound calling for business tenants."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, then each `register_*` step in order."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    register_config(app, test_config)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_worker(app)
    return app


def register_config(app: Flask, test_config: dict | None) -> None:
    """Load the config class named by CALLCENTER_ENV, then any test overrides."""
    from config import CONFIGS

    name = "test" if test_config is not None else os.environ.get("CALLCENTER_ENV",
                                                                  "production")
    if name not in CONFIGS:
        raise RuntimeError(f"CALLCENTER_ENV must be one of {sorted(CONFIGS)}")
    config_class = CONFIGS[name]
    if hasattr(config_class, "validate"):
        config_class.validate()
    app.config.from_object(config_class)
    if name != "test" and os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]  # read now, not at import
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'callcenter.db'}"
        )
    app.config.setdefault("CLOCK", None)
    # Database errors carry their statement's parameters (phone numbers, emails, script
    # text) into exception messages and so into logs, where erasure cannot reach them.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "hide_parameters": True}
    from callcenter.services import documents

    documents.configure(legal_name=app.config.get("PLATFORM_LEGAL_NAME"),
                        tax_id=app.config.get("PLATFORM_TAX_ID"),
                        address=app.config.get("PLATFORM_ADDRESS"))


SECRET_SETTINGS = ("SECRET_KEY", "TWILIO_AUTH_TOKEN", "STRIPE_SECRET_KEY",
                   "STRIPE_WEBHOOK_SECRET", "CDR_WEBHOOK_SECRET", "METRICS_TOKEN",
                   "SMTP_PASSWORD")


def register_logging(app: Flask) -> None:
    """Redacted JSON lines on stderr (LOG_LEVEL), unless logging is set up already.

    Under gunicorn, `gunicorn.conf.py` has set up the root logger already; in tests, pytest
    has. Either way the settings' secrets are removed from every line.
    """
    from callcenter import logs

    logs.add_secrets(app.config.get(name) for name in SECRET_SETTINGS)
    if not logging.getLogger().handlers:
        logs.configure(os.environ.get("LOG_LEVEL", "INFO"))


def register_extensions(app: Flask) -> None:
    """Bind every extension from `extensions.py`."""
    from callcenter import (
        dbsupport,  # noqa: F401 - registers the SQLite engine hooks
        models,  # noqa: F401 - tables known to Alembic
    )
    from callcenter.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        dbsupport.ping_only_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Pages, the JSON API and the error handlers."""
    from callcenter.web import init_app

    init_app(app)


def register_worker(app: Flask) -> None:
    """The in-process worker that runs background jobs after their commit."""
    from callcenter.worker import init_app

    init_app(app)


def register_cli(app: Flask) -> None:
    """The `flask --app wsgi ...` commands."""
    from callcenter.cli import init_app

    init_app(app)
