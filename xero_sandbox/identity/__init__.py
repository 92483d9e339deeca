"""Emulated Xero identity service: login, consent, tokens, connections."""
from flask import Blueprint

bp = Blueprint("identity", __name__)
