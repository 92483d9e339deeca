"""What every benchmark shares: its own databases and Redis, the machine line of its header, plain tables."""
import os
import re
import subprocess
import sys
import time

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_DB = "docket_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
CSRF_IN_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')  # the login form's token
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')  # the token HTMX sends, from <body hx-headers>


def database_url(backend: str, directory: str, name: str = "docket-bench.db",
                 postgres_db: str = POSTGRES_BENCH_DB) -> str:
    """A fresh database: a SQLite file `name` in `directory`, or the PostgreSQL database `postgres_db`
    (default `docket_bench`) dropped and created again."""
    if backend == "sqlite":
        return f"sqlite:///{os.path.join(directory, name)}"
    import psycopg2

    conn = psycopg2.connect(POSTGRES_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{postgres_db}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{postgres_db}"')
    conn.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{postgres_db}"


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = subprocess.run(["free", "-g"], capture_output=True, text=True, check=True).stdout.splitlines()[1]
        total = mem.split()[1]
    except (OSError, subprocess.CalledProcessError, IndexError):
        total = "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"nproc {cpus}, {total} GiB RAM (free -g), load average {load}, Python {sys.version.split()[0]}, "
            f"CPU check {cpu_check_ms():.0f} ms")


def cpu_check_ms() -> float:
    """A fixed pure-Python loop (one million additions), best of three: how fast this machine's CPU is right now,
    so figures from runs on different machines (or a throttled one) can be told apart."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        best = min(best, time.perf_counter() - start)
    return best * 1000


def text_table(rows: list[tuple], numeric: set[int]) -> str:
    """Rows of strings (the first is the header) as aligned columns; `numeric` columns are right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
