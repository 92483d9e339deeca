"""A public liveness check for process managers and benchmarks."""
from flask import Blueprint

from webapp.db import database

bp = Blueprint("health", __name__)


@bp.get("/healthz", endpoint="health")
def health():
    database.execute_sql("SELECT 1")
    return {"status": "ok"}
