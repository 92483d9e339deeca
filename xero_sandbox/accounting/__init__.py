"""The emulated Accounting API (`/api.xro/2.0`), its demo data and the operator pages for it."""


def register(app) -> None:
    """Register the Accounting API blueprint and the accounting operator pages on the sandbox app."""
    from . import api_attachments, api_documents, api_lists, operator_api  # noqa: F401  (routes attach to the bps)
    from .api import bp as api_bp
    from .operator import bp as operator_bp

    app.register_blueprint(api_bp, url_prefix="/api.xro/2.0")
    app.register_blueprint(operator_bp)
