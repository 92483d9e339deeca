"""A public liveness check for process managers and benchmarks."""
from flask import Blueprint

from webapp.accounts.access import public
from webapp.db import database

bp = Blueprint("health", __name__)


@bp.get("/healthz", endpoint="health")
@public
def health():
    database.execute_sql("SELECT 1")
    return {"status": "ok"}
