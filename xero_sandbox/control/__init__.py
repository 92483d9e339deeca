"""Operator UI (/operator) and JSON control API (/operator/api) for identity, limits and faults."""
from flask import Blueprint

bp = Blueprint("control", __name__, url_prefix="/operator")
