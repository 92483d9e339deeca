"""A Redis server and a PostgreSQL cluster of the drill's own, on free loopback ports, that it may stop and start
at will (the machine's shared ones on 6379 and 5432 are never touched)."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import redis

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """`redis-server` without persistence (`--save "" --appendonly no`, like the machine's), so a restart loses
    every key, as a production Redis without persistence would."""

    def __init__(self, directory: str):
        self.directory, self.port, self.process = directory, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory, "--logfile", os.path.join(self.directory, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline, probe = time.time() + timeout, redis.Redis.from_url(self.url)
        while True:
            try:
                probe.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: gone at once, with every key."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


class PrivatePostgres:
    """A throwaway cluster (initdb into a temporary directory of its own, trust auth, no fsync), run with pg_ctl as
    the `postgres` user when started by root (initdb refuses root). `remove()` stops it and deletes it."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="docket-drill-postgres-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.port = free_port()
        self._owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        if self._owner:
            shutil.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        self._pg_ctl("start", "-l", str(self.log),
                     "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-m", mode)

    def running(self) -> bool:
        return subprocess.run(self._as_owner([str(POSTGRES_BIN / "pg_ctl"), "status", "-D", str(self.data)]),
                              capture_output=True).returncode == 0

    def remove(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        conn = psycopg2.connect(self.url())
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.url(name)

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", *options)

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(self._as_owner([str(POSTGRES_BIN / program), *args]), check=True, capture_output=True)

    def _as_owner(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if self._owner else command
