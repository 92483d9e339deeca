"""Health checks for process managers and load balancers: `/healthz` (this process is alive) and `/readyz` (it can
do its work: the database, Redis, the document store and at least one worker answer)."""
import peewee
from flask import Blueprint
from redis.exceptions import RedisError
from rq import Worker

from webapp.accounts.access import public
from webapp.db import database
from webapp.items import storage
from webapp.redis_conn import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz", endpoint="health")
@public
def health():
    database.execute_sql("SELECT 1")
    return {"status": "ok"}


@bp.get("/readyz", endpoint="ready")
@public
def ready():
    """200 when every dependency answers, else 503; either way each one's state, in words."""
    checks = {"database": _database, "redis": _redis, "documents": _documents, "workers": _workers}
    problems = {name: check() for name, check in checks.items()}
    ready_ = not any(problems.values())
    body = {"status": "ready" if ready_ else "unavailable",
            "checks": {name: problem or "ok" for name, problem in problems.items()}}
    return body, 200 if ready_ else 503


def _database() -> str:
    try:
        with database.connection_context():
            database.execute_sql("SELECT 1")
    except peewee.PeeweeException as error:
        return f"can't be reached: {type(error).__name__}"
    return ""


def _redis() -> str:
    try:
        get_redis().ping()
    except RedisError as error:
        return f"can't be reached: {type(error).__name__}"
    return ""


def _documents() -> str:
    try:
        storage.check_writable()
    except OSError as error:
        return storage.unwritable(error)
    return ""


def _workers() -> str:
    try:
        alive = Worker.count(connection=get_redis())
    except RedisError:
        return "unknown: Redis can't be reached"
    return "" if alive else "none is running (start `python -m jobs.worker`)"
