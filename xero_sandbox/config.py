"""Sandbox configuration: SANDBOX_* environment variables read once, overridable per app."""
import os
import secrets

DEFAULTS = {
    "SANDBOX_DATABASE": "instance/xero_sandbox.db",
    "SANDBOX_LIMITS_ENABLED": True,
    "SANDBOX_CONCURRENT_LIMIT": 5,
    "SANDBOX_MINUTE_LIMIT": 60,
    "SANDBOX_DAY_LIMIT": 5000,
    "SANDBOX_APP_MINUTE_LIMIT": 10000,
    "SANDBOX_WEBHOOK_URL": "",
    "SANDBOX_WEBHOOK_KEY": "",
    "SANDBOX_WEBHOOK_BACKGROUND": True,
    "SANDBOX_PUBLIC_URL": "",
}


class ConfigError(RuntimeError):
    """A SANDBOX_* setting is malformed; the sandbox refuses to start."""


def _coerce(name: str, default, raw: str):
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
            raise ConfigError(f"{name} must be true or false, not {raw!r}")
        return lowered in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    return raw


def load_config(environ=None) -> dict:
    """Return the sandbox settings from `environ` (default os.environ), defaults filled in."""
    environ = os.environ if environ is None else environ
    config = {name: _coerce(name, default, environ[name]) if name in environ else default
              for name, default in DEFAULTS.items()}
    config["SECRET_KEY"] = environ.get("SANDBOX_SECRET_KEY") or secrets.token_urlsafe(32)
    return config
