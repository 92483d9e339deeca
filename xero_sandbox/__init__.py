"""The Xero sandbox: a local emulator of Xero's identity service and Accounting API."""
import importlib
import importlib.util
import json
from pathlib import Path

from flask import Flask, Response

from xero_sandbox.accounting.serialize import JSON_TYPE
from xero_sandbox.config import load_config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the sandbox app: config, database, OAuth server, limits, faults, blueprints, seed data."""
    app = Flask(__name__)
    app.config.update(load_config())
    app.config.update(SESSION_COOKIE_NAME="xero_sandbox_session", SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_HTTPONLY=True)
    app.config.update(overrides or {})
    app.json.mimetype = JSON_TYPE  # jsonify's answers (/connections) say charset=utf-8, as Xero's do
    _init_state(app)
    _init_database(app)
    _register_blueprints(app)
    _register_errors(app)
    return app


def _init_state(app: Flask) -> None:
    from xero_sandbox import calls, clock, faults, limits
    from xero_sandbox.identity.scopes import SUPPORTED_SCOPES

    app.extensions[clock.EXTENSION_KEY] = app.config.get("SANDBOX_CLOCK") or clock.Clock()
    app.extensions[limits.EXTENSION_KEY] = limits.RateLimiter(limits.LimitSettings.from_config(app.config))
    app.extensions[faults.EXTENSION_KEY] = faults.FaultInjector()
    app.extensions[calls.EXTENSION_KEY] = calls.CallLog()
    app.config["OAUTH2_SCOPES_SUPPORTED"] = sorted(SUPPORTED_SCOPES)


def _all_models() -> list:
    from xero_sandbox.accounting import models as accounting_models
    from xero_sandbox.identity.models import MODELS

    return [*MODELS, *getattr(accounting_models, "MODELS", [])]


def _init_database(app: Flask) -> None:
    from xero_sandbox.db import open_database

    path = app.config["SANDBOX_DATABASE"]
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    app.extensions["xero_sandbox.db"] = db
    with app.app_context(), db.connection_context():
        db.create_tables(_all_models())
        _add_new_columns(db, _all_models())
        _seed()

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()


def _add_new_columns(db, models) -> None:
    """A state file kept from an older sandbox lacks the columns added since: add them (old rows get defaults)."""
    from playhouse.migrate import SqliteMigrator, migrate

    for model in models:
        table = model._meta.table_name
        present = {column.name for column in db.get_columns(table)}
        migrate(*(SqliteMigrator(db).add_column(table, field.column_name, field)
                  for field in model._meta.sorted_fields if field.column_name not in present))


def _seed() -> None:
    from xero_sandbox.identity.service import seed_identity

    if importlib.util.find_spec("xero_sandbox.accounting.seed") is not None:
        importlib.import_module("xero_sandbox.accounting.seed").ensure_seeded()
    seed_identity()


def _register_blueprints(app: Flask) -> None:
    from xero_sandbox import accounting
    from xero_sandbox.control import api as _control_api, bp as control_bp, views as _control_views  # noqa: F401
    from xero_sandbox.identity import guard
    from xero_sandbox.identity.oauth import create_server
    from xero_sandbox.identity.views import bp as identity_bp

    create_server(app)
    app.register_blueprint(identity_bp)
    app.register_blueprint(control_bp)
    app.teardown_request(guard.abort_api_call)
    if hasattr(accounting, "register"):
        accounting.register(app)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(500)
    def _internal_error(error):
        body = {"Type": None, "Title": "An error occurred", "Status": 500,
                "Detail": "An error occurred in Xero. Check the API Status page "
                          "http://status.developer.xero.com for current service status."}
        return Response(json.dumps(body), status=500, content_type=JSON_TYPE)
