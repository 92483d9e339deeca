"""Configuration: read once from environment variables into plain attributes, checked at start."""
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from webapp import proxies
from webapp.embed.portals import Portal, parse_portals
from webapp.xero.crypto import generate_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Outside production, Xero webhooks are verified with this key unless XERO_WEBHOOK_KEY is set; the sandbox has
# no default key, so run it with SANDBOX_WEBHOOK_KEY set to the same value (README: Webhooks).
DEV_WEBHOOK_KEY = "docket-dev-webhook-key"
# Outside production, messages posted to /inbound/email are signed with this unless INBOUND_EMAIL_SECRET is set.
DEV_INBOUND_SECRET = "docket-dev-inbound-secret"


class ConfigError(RuntimeError):
    """A required setting is missing or malformed; the app refuses to start."""


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """Every environment variable Docket reads (documented in README.md)."""

    env: str = "production"
    secret_key: str = ""
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    database_pool_size: int = 10  # PostgreSQL connections kept open per web process (0: one per request)
    redis_url: str = ""
    frame_ancestors: tuple[str, ...] = field(default_factory=tuple)
    embed_portals: dict[str, Portal] = field(default_factory=dict)  # portal id (the launch token's iss) → Portal
    login_rate_limit: str = "10 per minute"
    max_upload_bytes: int = 25 * 1024 * 1024
    document_storage_path: Path = PROJECT_ROOT / "instance" / "documents"
    document_storage_url: str = ""  # empty: the folder above; s3://bucket/prefix: an S3-compatible bucket
    s3_endpoint_url: str = ""  # empty: AWS S3; else R2, MinIO, Backblaze B2...
    xero_client_id: str = ""
    xero_client_secret: str = ""
    xero_base_url: str = ""  # empty: real Xero
    xero_scopes: str = "granular"
    xero_redirect_uri: str = ""
    token_encryption_keys: str = ""
    xero_webhook_key: str = ""  # empty: POST /webhooks/xero answers 503
    exchange_rates_url: str = ""  # empty: the fixed rate table (publishing.rates.FixedRates)
    xero_calls_per_minute: int = 58  # per organisation; Xero allows 60, the margin absorbs clock skew
    xero_app_calls_per_minute: int = 9600  # across every organisation; Xero allows the app 10,000
    xero_limit_max_wait: int = 2  # seconds a call may wait for its turn before its job is booked for later instead
    publish_lock_seconds: int = 90  # how long a killed worker's hold on a publish attempt lasts
    publish_sweep_seconds: int = 60  # how often attempts left half done are looked for while any is open
    public_url: str = "http://127.0.0.1:8000"  # where people reach Docket: links from Xero documents back to items
    trusted_proxies: int | tuple = 0  # webapp.proxies: how many proxies, or which addresses, to believe
    operator_emails: frozenset = frozenset()  # who sees the Operations page
    metrics_token: str = ""  # empty: no /metrics
    inbound_email_domain: str = "docket.localhost"  # email-in addresses are <local part>@this (the MX's domain)
    inbound_email_secret: str = ""  # empty: POST /inbound/email answers 503
    inbound_smtp_port: int = 8025  # the SMTP receiver `make run` starts (behind an MX or relay in production)

    @property
    def is_development(self) -> bool:
        return self.env == "development"


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    """Build Settings from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    docket_env = env.get("DOCKET_ENV", "production").strip().lower()
    if docket_env not in {"production", "development", "test"}:
        raise ConfigError(f"DOCKET_ENV must be production, development or test, not {docket_env!r}")
    instance_path = Path(env.get("DOCKET_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    secret_key = env.get("SECRET_KEY", "")
    token_keys = env.get("TOKEN_ENCRYPTION_KEYS", "")
    if docket_env == "production" and not (secret_key and token_keys):
        raise ConfigError("SECRET_KEY and TOKEN_ENCRYPTION_KEYS must be set in production "
                          "(see README: Configuration).")
    secret_key = secret_key or _instance_secret(instance_path, "secret_key", lambda: secrets.token_urlsafe(48))
    token_keys = token_keys or _instance_secret(instance_path, "token_keys", generate_key)
    xero_client_id = env.get("XERO_CLIENT_ID", "")
    if xero_client_id and not env.get("XERO_CLIENT_SECRET"):
        raise ConfigError("XERO_CLIENT_SECRET must be set together with XERO_CLIENT_ID.")
    if docket_env == "production":
        _check_production(env, xero_client_id)
    xero_base_url = env.get("XERO_BASE_URL", "")
    if not xero_client_id and not xero_base_url:
        # No Xero app configured: talk to the local sandbox with its demo client.
        xero_base_url = f"http://127.0.0.1:{_int('SANDBOX_PORT', env.get('SANDBOX_PORT', '8001'))}"
    xero_scopes = env.get("XERO_SCOPES", "granular")
    if xero_scopes not in ("granular", "broad"):
        raise ConfigError(f"XERO_SCOPES must be granular or broad, not {xero_scopes!r}")
    exchange_rates_url = env.get("EXCHANGE_RATES_URL", "").strip()
    if exchange_rates_url and not exchange_rates_url.startswith(("https://", "http://")):
        raise ConfigError(f"EXCHANGE_RATES_URL must be an http(s) URL, not {exchange_rates_url!r}")
    storage_url, s3_endpoint_url = _document_store(env)
    try:
        embed_portals = parse_portals(env.get("EMBED_PORTALS", ""))
        trusted_proxies = proxies.parse(env.get("TRUSTED_PROXIES", ""))
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return Settings(
        env=docket_env,
        secret_key=secret_key,
        instance_path=instance_path,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'docket.db'}",
        database_pool_size=_int("DATABASE_POOL_SIZE", env.get("DATABASE_POOL_SIZE", "10")),
        redis_url=env.get("REDIS_URL", ""),
        frame_ancestors=tuple(env.get("FRAME_ANCESTORS", "").split()),
        embed_portals=embed_portals,
        login_rate_limit=env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        max_upload_bytes=_int("MAX_UPLOAD_MB", env.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024,
        document_storage_path=Path(env.get("DOCUMENT_STORAGE_PATH") or instance_path / "documents"),
        document_storage_url=storage_url,
        s3_endpoint_url=s3_endpoint_url,
        xero_client_id=xero_client_id or "docket-demo",
        xero_client_secret=env.get("XERO_CLIENT_SECRET", "") if xero_client_id else "docket-demo-secret",
        xero_base_url=xero_base_url,
        xero_scopes=xero_scopes,
        xero_redirect_uri=env.get("XERO_REDIRECT_URI", ""),
        token_encryption_keys=token_keys,
        xero_webhook_key=env.get("XERO_WEBHOOK_KEY", "") or ("" if docket_env == "production" else DEV_WEBHOOK_KEY),
        exchange_rates_url=exchange_rates_url,
        xero_calls_per_minute=_int("XERO_CALLS_PER_MINUTE", env.get("XERO_CALLS_PER_MINUTE", "58")),
        xero_app_calls_per_minute=_int("XERO_APP_CALLS_PER_MINUTE", env.get("XERO_APP_CALLS_PER_MINUTE", "9600")),
        xero_limit_max_wait=_int("XERO_LIMIT_MAX_WAIT", env.get("XERO_LIMIT_MAX_WAIT", "2")),
        publish_lock_seconds=_int("PUBLISH_LOCK_SECONDS", env.get("PUBLISH_LOCK_SECONDS", "90")),
        publish_sweep_seconds=_int("PUBLISH_SWEEP_SECONDS", env.get("PUBLISH_SWEEP_SECONDS", "60")),
        public_url=(env.get("PUBLIC_URL") or f"http://127.0.0.1:{_int('PORT', env.get('PORT', '8000'))}").rstrip("/"),
        trusted_proxies=trusted_proxies,
        operator_emails=frozenset(email.strip().lower() for email in env.get("OPERATOR_EMAILS", "").split(",")
                                  if email.strip()),
        metrics_token=env.get("METRICS_TOKEN", ""),
        inbound_email_domain=(env.get("INBOUND_EMAIL_DOMAIN", "").strip().lower() or "docket.localhost"),
        inbound_email_secret=env.get("INBOUND_EMAIL_SECRET", "") or (
            "" if docket_env == "production" else DEV_INBOUND_SECRET),
        inbound_smtp_port=_int("INBOUND_SMTP_PORT", env.get("INBOUND_SMTP_PORT", "8025")),
    )


def _document_store(env) -> tuple[str, str]:
    """DOCUMENT_STORAGE_URL (empty or `file`: the local folder; `s3://bucket/prefix`) and S3_ENDPOINT_URL."""
    url = env.get("DOCUMENT_STORAGE_URL", "").strip()
    endpoint = env.get("S3_ENDPOINT_URL", "").strip()
    if url in ("", "file"):
        return "", ""
    if not url.startswith("s3://") or not url.removeprefix("s3://").split("/")[0]:
        raise ConfigError(f"DOCUMENT_STORAGE_URL must be empty, file, or s3://bucket/prefix, not {url!r}")
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ConfigError(f"S3_ENDPOINT_URL must be an http(s) URL, not {endpoint!r}")
    return url, endpoint


def _check_production(env, xero_client_id: str) -> None:
    """What production can't run without, said at start rather than found out by the first person."""
    if not xero_client_id:
        raise ConfigError("XERO_CLIENT_ID and XERO_CLIENT_SECRET must be set in production (your app in Xero's "
                          "developer portal); without them Docket would talk to the local sandbox.")
    if not env.get("PUBLIC_URL", "").startswith("https://"):
        raise ConfigError("PUBLIC_URL must be set in production to the https:// address people open Docket at "
                          "(links from Xero documents back to items are made from it; see README: Behind a proxy).")


def _instance_secret(instance_path: Path, name: str, make) -> str:
    """A per-checkout random secret outside production, kept under instance/ so it survives restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / name
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(make())
    return key_file.read_text().strip()
