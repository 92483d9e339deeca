"""Inbox pages for Costs and Sales (items arrive with the items work)."""
from flask import Blueprint, abort

from webapp.htmx import render

bp = Blueprint("items", __name__)

WORKSPACES = {"costs": "Costs", "sales": "Sales"}


@bp.get("/b/<int:business_id>/inbox/<workspace>")
def inbox(workspace: str):
    if workspace not in WORKSPACES:
        abort(404)
    return render("items/inbox.html", workspace=workspace, title=WORKSPACES[workspace])
