"""Connection tokens in the database, encrypted and bound to their row."""
from webapp.db import database
from webapp.integrations.models import CONNECTED, NEEDS_RECONNECT, Connection
from webapp.xero.crypto import TokenCipher
from webapp.xero.tokens import TokenSet


def seal(cipher: TokenCipher, row_key: str, tokens: TokenSet) -> dict:
    """The encrypted column values for `tokens` on the row named `row_key`."""
    return {
        "access_token": cipher.encrypt(tokens.access_token, bound_to=row_key),
        "refresh_token": cipher.encrypt(tokens.refresh_token, bound_to=row_key),
        "expires_at": int(tokens.expires_at),
        "scopes": tokens.scope,
    }


def unseal(cipher: TokenCipher, row_key: str, row) -> TokenSet:
    return TokenSet(cipher.decrypt(row.access_token, bound_to=row_key),
                    cipher.decrypt(row.refresh_token, bound_to=row_key), float(row.expires_at), row.scopes)


def connection_key(connection_id: int) -> str:
    return f"connection:{connection_id}"


class DbTokenStore:
    """TokenStore for webapp.xero: reads and writes the Connection row."""

    def __init__(self, cipher: TokenCipher):
        self.cipher = cipher

    def load(self, connection_id: int) -> TokenSet | None:
        row = Connection.get_or_none(Connection.id == connection_id)
        if row is None or not row.refresh_token or row.status != CONNECTED:
            return None
        return unseal(self.cipher, connection_key(connection_id), row)

    def save(self, connection_id: int, tokens: TokenSet) -> None:
        with database.atomic():
            Connection.update(**seal(self.cipher, connection_key(connection_id), tokens)).where(
                Connection.id == connection_id).execute()

    def mark_needs_reconnect(self, connection_id: int, reason: str) -> None:
        Connection.update(status=NEEDS_RECONNECT, status_reason=reason).where(
            (Connection.id == connection_id) & (Connection.status == CONNECTED)).execute()
