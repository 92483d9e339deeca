"""Docket: publish receipts, bills and sales invoices to Xero."""
import logging

from flask import Flask

from webapp import proxies
from webapp.config import PROJECT_ROOT, load_settings

log = logging.getLogger(__name__)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config → database → extensions → security → blueprints → errors → CLI."""
    settings = load_settings()
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(_config_from(settings))
    app.config.update(overrides or {})
    app.wsgi_app = proxies.wrap(app.wsgi_app, settings.trusted_proxies)
    _init_extensions(app)
    _register_blueprints(app)
    if app.config["CHECK_DOCUMENTS_AT_START"]:
        _check_documents(app)
    return app


def _check_documents(app: Flask) -> None:
    """A web process that can't reach the document store still starts (its /readyz says why), but says so now."""
    from webapp.items import storage

    with app.app_context():
        try:
            storage.check_at_start()
        except OSError as error:
            log.error("%s", error)


def _config_from(settings) -> dict:
    production = settings.env == "production"
    return {
        "DOCKET_ENV": settings.env,
        "DEVELOPMENT": settings.is_development,
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": settings.database_url,
        "DATABASE_POOL_SIZE": settings.database_pool_size,
        "REDIS_URL": settings.redis_url,
        "FRAME_ANCESTORS": settings.frame_ancestors,
        "EMBED_PORTALS": settings.embed_portals,
        "LOGIN_RATE_LIMIT": settings.login_rate_limit,
        "XERO_CLIENT_ID": settings.xero_client_id,
        "XERO_CLIENT_SECRET": settings.xero_client_secret,
        "XERO_BASE_URL": settings.xero_base_url,
        "XERO_SCOPES": settings.xero_scopes,
        "XERO_REDIRECT_URI": settings.xero_redirect_uri,
        "TOKEN_ENCRYPTION_KEYS": settings.token_encryption_keys,
        "XERO_WEBHOOK_KEY": settings.xero_webhook_key,
        "XERO_CALLS_PER_MINUTE": settings.xero_calls_per_minute,
        "XERO_APP_CALLS_PER_MINUTE": settings.xero_app_calls_per_minute,
        "XERO_LIMIT_MAX_WAIT": settings.xero_limit_max_wait,
        "PUBLIC_URL": settings.public_url,
        "OPERATOR_EMAILS": settings.operator_emails,
        "METRICS_TOKEN": settings.metrics_token,
        "PUBLISH_LOCK_SECONDS": settings.publish_lock_seconds,
        "PUBLISH_SWEEP_SECONDS": settings.publish_sweep_seconds,
        "EXCHANGE_RATES_URL": settings.exchange_rates_url,
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes,
        "INBOUND_EMAIL_DOMAIN": settings.inbound_email_domain,
        "INBOUND_EMAIL_SECRET": settings.inbound_email_secret,
        "INBOUND_SMTP_PORT": settings.inbound_smtp_port,
        "DOCUMENT_STORAGE_PATH": str(settings.document_storage_path),
        "DOCUMENT_STORAGE_URL": settings.document_storage_url,
        "S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "CHECK_DOCUMENTS_AT_START": settings.env != "test",  # jobs.worker checks for itself, and refuses to start
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": True,
    }


def _init_extensions(app: Flask) -> None:
    from webapp import db, errors, inputs, logs, metrics, redis_conn, security, ui
    from webapp.accounts import access
    from webapp.embed import session as embed_session
    from webapp.integrations import xero_access
    from webapp.auth import guard
    from webapp.extensions import csrf, htmx, limiter, login_manager

    logs.init_app(app)
    metrics.init_app(app)
    inputs.init_app(app)  # before any blueprint: each <int:…> in a route is compiled with its converter
    db.open_database(app.config["DATABASE_URL"], pool_size=app.config["DATABASE_POOL_SIZE"])
    db.init_app(app)
    redis_conn.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limiter_storage(app.config["REDIS_URL"]))
    htmx.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    guard.init_app(app)
    access.init_app(app)
    embed_session.init_app(app)  # after access: it narrows the membership access loads
    security.init_app(app)
    ui.init_app(app)
    xero_access.init_app(app)
    errors.register_handlers(app)


def _limiter_storage(redis_url: str) -> str:
    return redis_url.replace("unix://", "redis+unix://", 1) if redis_url.startswith("unix://") else redis_url


def _register_blueprints(app: Flask) -> None:
    from webapp import cli
    from webapp.accounts.views import bp as accounts_bp
    from webapp.health import bp as health_bp
    from webapp.inbound.views import bp as inbound_bp
    from webapp.auth.views import bp as auth_bp
    from webapp.capture.views import bp as capture_bp
    from webapp.embed.views import bp as embed_bp
    from webapp.integrations.views import bp as integrations_bp
    from webapp.items.edit_views import bp as item_edits_bp
    from webapp.items.line_views import bp as lines_bp
    from webapp.items.reading_views import bp as item_reading_bp
    from webapp.items.views import bp as items_bp
    from webapp.jobruns.views import bp as jobruns_bp
    from webapp.lists.views import bp as lists_bp
    from webapp.operations.views import bp as operations_bp
    from webapp.publishing.views import bp as publishing_bp
    from webapp.rules.views import bp as rules_bp
    from webapp.webhooks.views import bp as webhooks_bp

    for blueprint in (health_bp, auth_bp, accounts_bp, jobruns_bp, items_bp, item_edits_bp, lines_bp, item_reading_bp,
                      lists_bp, rules_bp, publishing_bp, integrations_bp, webhooks_bp, inbound_bp, embed_bp,
                      operations_bp, capture_bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
