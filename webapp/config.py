"""Configuration: read once from environment variables into plain attributes, checked at start."""
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    redis_url: str = ""
    frame_ancestors: tuple[str, ...] = field(default_factory=tuple)
    login_rate_limit: str = "10 per minute"
    max_upload_bytes: int = 25 * 1024 * 1024

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
    if not secret_key:
        if docket_env == "production":
            raise ConfigError("SECRET_KEY must be set in production (a long random string).")
        secret_key = _instance_secret(instance_path)
    return Settings(
        env=docket_env,
        secret_key=secret_key,
        instance_path=instance_path,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'docket.db'}",
        redis_url=env.get("REDIS_URL", ""),
        frame_ancestors=tuple(env.get("FRAME_ANCESTORS", "").split()),
        login_rate_limit=env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        max_upload_bytes=_int("MAX_UPLOAD_MB", env.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024,
    )


def _instance_secret(instance_path: Path) -> str:
    """A per-checkout random key for development, kept under instance/ so sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
