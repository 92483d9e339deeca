"""AppError hierarchy and the error handlers: a plain page, or a message in the flash region for HTMX."""
import logging

import peewee
import redis
from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.db import database
from webapp.htmx import wants_fragment

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood. Reload the page and try again.",
    403: "You don't have permission to do that. Ask an admin of this business.",
    404: "We couldn't find that page. It may have been removed, or it belongs to a business you are not a member of.",
    405: "That action isn't allowed here.",
    413: "That was too large to accept. Send a smaller file or less text.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on our side. Nothing was changed; try again in a moment.",
}
CSRF_MESSAGE = "This form has expired or was sent without its security token. Reload the page and try again; nothing was changed."
HTTPS_NEEDED = ("Docket in production needs https: open it at its https:// address. If a proxy in front of it "
                "handles https, set TRUSTED_PROXIES so Docket believes the proxy (see README: Behind a proxy).")
DATABASE_DOWN = "Docket can't reach its database at the moment. Nothing was saved; try again in a moment."
REDIS_DOWN = "Docket can't reach its job queue at the moment. Try again in a moment."
RETRY_AFTER_SECONDS = 5


class AppError(Exception):
    """An expected failure with a message meant for the user."""

    status_code = 400

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


class Conflict(AppError):
    status_code = 409


class ValidationFailed(AppError):
    """Field → message; views re-render the form with these messages in place."""

    status_code = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def error_response(status: int, message: str):
    """The full error page, or for HTMX the message alone, retargeted into the flash region."""
    if wants_fragment():
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "beforeend"}
        return render_template("errors/_error.html", message=message), status, headers
    return render_template("errors/error.html", message=message, status=status), status


def unavailable_response(message: str):
    """503 for a service that is briefly out of reach. The page stands alone and skips the context processors:
    base.html, and flask-login's processor, would ask the same database and Redis for the user, banners and
    businesses, and fail again while rendering. For HTMX the message replaces the flash region's content, so a
    region polling through the outage shows it once, not once per poll."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_fragment():
        headers |= {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return _render_alone("errors/_error.html", message=message), 503, headers
    return _render_alone("errors/unavailable.html", message=message, request=request), 503, headers


def _render_alone(template: str, **context) -> str:
    return current_app.jinja_env.get_template(template).render(**context)


def register_handlers(app) -> None:
    @app.errorhandler(peewee.OperationalError)
    @app.errorhandler(peewee.InterfaceError)
    def _database_unreachable(error: peewee.PeeweeException):
        log.warning("database unreachable path=%s: %s", request.path, error)
        _drop_connection()
        return unavailable_response(DATABASE_DOWN)

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    def _redis_unreachable(error: redis.exceptions.RedisError):
        log.warning("redis unreachable path=%s: %s", request.path, error)
        if not database.is_closed() and database.in_transaction():
            database.rollback()
        return unavailable_response(REDIS_DOWN)

    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        return error_response(error.status_code, error.user_message)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        if app.config["SESSION_COOKIE_SECURE"] and not request.is_secure:  # the browser kept the session cookie back
            return error_response(400, HTTPS_NEEDED)
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        return error_response(status, MESSAGES.get(status, error.description or MESSAGES[400]))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if not database.is_closed() and database.in_transaction():
            database.rollback()
        user_id = current_user.id if current_user.is_authenticated else None
        log.exception("unhandled error path=%s user_id=%s", request.path, user_id)
        return error_response(500, MESSAGES[500])


def _drop_connection() -> None:
    """Forget a connection the server may have closed under us (it rolls back whatever was open), so the next use
    connects afresh."""
    try:
        if not database.is_closed() and database.in_transaction():
            database.rollback()
        database.close()
    except peewee.PeeweeException:
        database.dispose()
