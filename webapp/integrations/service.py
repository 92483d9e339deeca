"""The connect, reconnect and disconnect steps, each a small function over the models and Xero."""
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.errors import AppError, Conflict
from webapp.integrations.models import CONNECTED, DISCONNECTED, ConnectAttempt, Connection
from webapp.integrations.token_store import connection_key, seal, unseal
from webapp.integrations.xero_access import xero
from webapp.xero.errors import XeroError
from webapp.xero.tokens import TokenSet

log = logging.getLogger(__name__)
ATTEMPT_LIFETIME = timedelta(minutes=10)


class ConnectFailed(AppError):
    """The trip to Xero did not produce a usable grant; nothing was stored."""


@dataclass(frozen=True)
class Organisation:
    connection_id: str
    tenant_id: str
    name: str


def start_connect(business_id: int, user_id: int, redirect_uri: str) -> tuple[str, str]:
    """Record a connect attempt and return (state, Xero authorize URL)."""
    request = xero().identity.authorization_request(redirect_uri)
    attempt_key = f"attempt:{request.state}"
    ConnectAttempt.create(state=request.state, business=business_id, user=user_id, redirect_uri=redirect_uri,
                          code_verifier=xero().cipher.encrypt(request.code_verifier, bound_to=attempt_key))
    return request.state, request.url


def attempt_for(state: str | None, business_id: int | None = None, user_id: int | None = None) -> ConnectAttempt:
    """The live attempt named by `state` for this user (and business), or ConnectFailed."""
    query = ConnectAttempt.select().where(ConnectAttempt.state == (state or ""))
    if user_id is not None:
        query = query.where(ConnectAttempt.user == user_id)
    if business_id is not None:
        query = query.where(ConnectAttempt.business == business_id)
    attempt = query.first()
    if attempt is None or attempt.completed_at or attempt.created_at < utcnow() - ATTEMPT_LIFETIME:
        raise ConnectFailed("This connection attempt has expired or was already used. Start again with Connect.")
    return attempt


def complete_authorisation(attempt: ConnectAttempt, code: str) -> list[Organisation]:
    """Exchange the code (once) and list the organisations this consent authorised."""
    if attempt.authorised_at:
        raise ConnectFailed("This sign-in to Xero was already used. Start again with Connect.")
    verifier = xero().cipher.decrypt(attempt.code_verifier, bound_to=f"attempt:{attempt.state}")
    try:
        tokens = xero().identity.exchange_code(code, attempt.redirect_uri, verifier)
        found = xero().identity.connections(tokens.access_token, tokens.auth_event_id)
    except XeroError as error:
        log.warning("xero connect failed attempt=%s error=%s", attempt.id, error.__class__.__name__)
        raise ConnectFailed("Xero did not accept the sign-in. Start again with Connect.") from error
    organisations = [Organisation(c.id, c.tenant_id, c.tenant_name or _organisation_name(tokens, c.tenant_id))
                     for c in found if c.tenant_type == "ORGANISATION"]
    ConnectAttempt.update(authorised_at=utcnow(), auth_event_id=tokens.auth_event_id or "",
                          organisations=json.dumps([o.__dict__ for o in organisations]),
                          **seal(xero().cipher, f"attempt:{attempt.state}", tokens)).where(
        ConnectAttempt.id == attempt.id).execute()
    return organisations


def organisations_of(attempt: ConnectAttempt) -> list[Organisation]:
    return [Organisation(**item) for item in json.loads(attempt.organisations)]


def choose_organisation(attempt: ConnectAttempt, tenant_id: str) -> Connection:
    """Connect the attempt's business to the chosen organisation, keeping everything Docket already holds."""
    chosen = next((o for o in organisations_of(attempt) if o.tenant_id == tenant_id), None)
    if chosen is None or not attempt.authorised_at:
        raise ConnectFailed("Choose one of the organisations you just authorised.")
    tokens = unseal(xero().cipher, f"attempt:{attempt.state}", attempt)
    with database.atomic():
        connection = Connection.for_business(attempt.business_id)
        # "Connected since" stays through a Reconnect; another organisation, or connecting again, starts afresh
        if connection is None or connection.tenant_id != chosen.tenant_id or connection.status == DISCONNECTED:
            connection = connection or Connection.create(business=attempt.business_id, tenant_id=chosen.tenant_id)
            connection.connected_at, connection.connected_by = utcnow(), attempt.user_id
        connection.tenant_id, connection.tenant_name = chosen.tenant_id, chosen.name
        connection.xero_connection_id, connection.auth_event_id = chosen.connection_id, attempt.auth_event_id
        connection.status, connection.status_reason = CONNECTED, ""
        for column, value in seal(xero().cipher, connection_key(connection.id), tokens).items():
            setattr(connection, column, value)
        connection.save()
        ConnectAttempt.update(completed_at=utcnow(), access_token="", refresh_token="").where(
            ConnectAttempt.id == attempt.id).execute()
    _release_unchosen(attempt, chosen, tokens)
    return connection


def changes_organisation(attempt: ConnectAttempt, tenant_id: str) -> Connection | None:
    """The existing connection when choosing `tenant_id` would move the business to another organisation."""
    existing = Connection.for_business(attempt.business_id)
    return existing if existing and existing.tenant_id != tenant_id else None


def disconnect(connection: Connection) -> None:
    """Remove the organisation at Xero (best effort), forget the tokens, keep lists and items."""
    if connection.status == DISCONNECTED:
        raise Conflict("This business is not connected to Xero.")
    try:
        token = xero().keeper.access_token(connection.id)
        xero().identity.delete_connection(token, connection.xero_connection_id)
    except XeroError as error:
        log.info("xero disconnect could not reach xero connection=%s error=%s", connection.id,
                 error.__class__.__name__)
    Connection.update(status=DISCONNECTED, status_reason="", access_token="", refresh_token="", expires_at=0).where(
        Connection.id == connection.id).execute()


def _organisation_name(tokens: TokenSet, tenant_id: str) -> str:
    """The name of an organisation /connections lists without one, from Xero; "" when Xero can't say now (the
    connection's first refresh names it)."""
    try:
        return xero().identity.organisation_name(tokens.access_token, tenant_id)
    except XeroError as error:
        log.info("could not read the organisation's name tenant=%s error=%s", tenant_id, error.__class__.__name__)
        return ""


def _release_unchosen(attempt: ConnectAttempt, chosen: Organisation, tokens: TokenSet) -> None:
    """Disconnect organisations authorised in this consent but not chosen, unless another business uses them."""
    in_use = {c.tenant_id for c in Connection.select(Connection.tenant_id).where(Connection.status == CONNECTED)}
    for organisation in organisations_of(attempt):
        if organisation.tenant_id == chosen.tenant_id or organisation.tenant_id in in_use:
            continue
        try:
            xero().identity.delete_connection(tokens.access_token, organisation.connection_id)
        except XeroError as error:
            log.info("could not release unchosen organisation tenant=%s error=%s", organisation.tenant_id,
                     error.__class__.__name__)
