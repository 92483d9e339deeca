"""Operator actions on identity state: list, revoke, expire and reset."""
from xero_sandbox.clock import now
from xero_sandbox.db import database
from xero_sandbox.identity.models import AuthorizationCode, Connection, Grant, Token
from xero_sandbox.identity.service import disconnect


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def list_connections() -> list[dict]:
    """Every live connection with the user and app behind it."""
    rows = Connection.active().join(Grant).order_by(Connection.created_at)
    return [{"id": c.id, "tenantId": c.tenant_id, "tenantName": c.tenant_name, "authEventId": c.auth_event_id,
             "user": c.grant.user.email, "clientId": c.grant.client_id, "createdDateUtc": _iso(c.created_at),
             "updatedDateUtc": _iso(c.updated_at)} for c in rows]


def rename_connection(connection_id: str, name: str) -> bool:
    """The tenant name /connections gives for one live connection; False if unknown."""
    return Connection.update(tenant_name=name).where(Connection.id == connection_id,
                                                     Connection.disconnected_at.is_null()).execute() == 1


def list_tokens() -> list[dict]:
    """Every token of a live grant, newest first, with what is still usable."""
    rows = Token.select().join(Grant).where(Grant.revoked_at.is_null()).order_by(Token.issued_at.desc())
    return [{"id": t.id, "clientId": t.client_id, "user": t.grant.user.email, "grantId": t.grant_id,
             "authEventId": t.auth_event_id, "accessTokenEnd": t.access_token[-8:],
             "accessExpiresAt": _iso(t.access_expires_at), "accessExpired": t.is_expired(),
             "hasRefreshToken": t.refresh_token is not None,
             "refreshUsable": t.refresh_token is not None and t.refresh_usable(), "scope": t.scope}
            for t in rows]


def revoke_connection(connection_id: str) -> bool:
    """Disconnect one tenant as if the user removed the app in Xero; False if unknown."""
    return disconnect(connection_id)


def _grant_ids_for_tenant(tenant_id: str | None):
    query = Grant.select(Grant.id).where(Grant.revoked_at.is_null())
    if tenant_id:
        query = query.join(Connection).where(Connection.tenant_id == tenant_id, Connection.disconnected_at.is_null())
    return [g.id for g in query]


def expire_access_tokens(tenant_id: str | None = None) -> int:
    """Make every unexpired access token reaching the tenant (or all tenants) expire now."""
    moment = now()
    return (Token.update(access_expires_at=moment)
            .where(Token.grant.in_(_grant_ids_for_tenant(tenant_id)), Token.access_expires_at > moment).execute())


def invalidate_refresh_tokens(tenant_id: str | None = None, refresh_token: str | None = None) -> int:
    """Make refresh tokens unusable (one token, a tenant's grants, or all): next refresh is invalid_grant."""
    query = Token.update(refresh_revoked_at=now()).where(Token.refresh_token.is_null(False),
                                                         Token.refresh_revoked_at.is_null())
    if refresh_token is not None:
        query = query.where(Token.refresh_token == refresh_token)
    else:
        query = query.where(Token.grant.in_(_grant_ids_for_tenant(tenant_id)))
    return query.execute()


def reset_identity() -> None:
    """Forget every grant, token, code and connection (users and apps stay)."""
    with database.atomic():
        for model in (Token, AuthorizationCode, Connection, Grant):
            model.delete().execute()


def reset_state() -> None:
    """Identity back to seeded users and apps; no faults or logged calls; limits at their configured values."""
    from xero_sandbox.calls import get_calls
    from xero_sandbox.faults import get_faults
    from xero_sandbox.limits import get_limiter

    reset_identity()
    get_faults().clear()
    get_calls().clear()
    get_limiter().restore_defaults()
    get_limiter().reset()
