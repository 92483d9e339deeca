"""What the consent page shows: the app, the scopes asked for and the organisations to pick."""
from xero_sandbox.identity import service
from xero_sandbox.identity.models import User

SCOPE_LABELS = {
    "openid": None, "profile": "View your name and profile", "email": "View your email address",
    "offline_access": "Keep access when you are not using the app",
}


def _scope_label(scope: str) -> str | None:
    if scope in SCOPE_LABELS:
        return SCOPE_LABELS[scope]
    area = scope.removeprefix("accounting.").removesuffix(".read").replace(".", " ")
    verb = "View" if scope.endswith(".read") else "View and manage"
    return f"{verb} your {area}"


def consent_context(grant, user: User, error: str | None = None) -> dict:
    """Template variables for identity/consent.html."""
    client = grant.request.client
    connected = service.connected_tenant_ids(user, client)
    orgs = service.organisations()
    checked = connected or ({orgs[0][0]} if orgs else set())
    labels = [label for s in (grant.request.scope or "").split() if (label := _scope_label(s))]
    return {"client": client, "user": user, "organisations": orgs, "checked": checked,
            "continuing": bool(connected), "scope_labels": labels, "error": error}
