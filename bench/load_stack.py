"""The processes the load benchmark starts as an operator would (Docket under gunicorn, RQ workers), each in its
own session and stopped with every process under it, and their memory sampled with psutil while they run."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import psutil
import requests

from bench.publish_env import ROOT

MIB = 1024 * 1024


def free_port() -> int:
    """A loopback port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """One command in a session of its own, its output to a log file."""

    def __init__(self, name: str, args: list[str], env: dict, log_path: str):
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        with open(self.log_path, errors="replace") as log:
            return "".join(log.readlines()[-lines:])

    def stop(self, grace: float = 15) -> None:
        """SIGTERM (gunicorn's graceful stop, RQ's warm shutdown), then SIGKILL to whatever is left of the tree taken
        before it. The tree comes from /proc, not the process group: RQ puts its work horse in a group of its own."""
        tree = [psutil.Process(self.pid), *_children(self.pid)] if self.alive() else []
        if tree:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.process.wait(grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        for leftover in tree:
            try:
                leftover.kill()
            except psutil.NoSuchProcess:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self._log.close()


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def start_gunicorn(env: dict, port: int, workers: int, threads: int, log_path: str, timeout: float = 60) -> Service:
    """`gunicorn wsgi:app` as README's production notes run it, on a loopback port; returns once /healthz answers."""
    args = [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}",
            "--control-socket", os.path.join(os.path.dirname(log_path), "gunicorn.ctl")]  # not the shared ~/.gunicorn
    service = Service("gunicorn", args, env, log_path)
    try:
        _wait_for_healthz(service, port, workers, timeout)
    except BaseException:
        service.stop()
        raise
    return service


def _wait_for_healthz(service: Service, port: int, workers: int, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not service.alive():
            raise RuntimeError(f"gunicorn exited with {service.process.returncode}:\n{service.log_tail()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200 \
                    and len(_children(service.pid)) >= workers:
                return
        except requests.RequestException:  # not listening yet, or its first worker still booting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{service.log_tail()}")


def start_rq_workers(env: dict, count: int, redis_url: str, log_dir: str, timeout: float = 60) -> list[Service]:
    """`python -m jobs.worker` (every queue) `count` times; returns once RQ lists them all as workers."""
    from redis import Redis

    services = []
    try:
        for n in range(1, count + 1):
            services.append(Service(f"rq worker {n}", [sys.executable, "-m", "jobs.worker"], env,
                                    os.path.join(log_dir, f"rq-worker-{n}.log")))
        _wait_for_registration(services, Redis.from_url(redis_url), timeout)
    except BaseException:
        for service in services:
            service.stop()
        raise
    return services


def _wait_for_registration(services: list[Service], connection, timeout: float) -> None:
    from rq import Worker

    deadline = time.time() + timeout
    while time.time() < deadline:
        dead = [s for s in services if not s.alive()]
        if dead:
            raise RuntimeError(f"{dead[0].name} exited:\n{dead[0].log_tail()}")
        if {w.pid for w in Worker.all(connection=connection)} >= {s.pid for s in services}:
            return
        time.sleep(0.2)
    raise RuntimeError(f"RQ workers not registered within {timeout:.0f} s:\n{services[0].log_tail()}")


# --- memory -----------------------------------------------------------------------------------------

@dataclass
class Reading:
    rss: int = 0
    uss: int = 0
    processes: int = 0
    connections: int = 0  # established TCP connections to the port served (gunicorn workers: the clients held)

    def __add__(self, other: "Reading") -> "Reading":
        return Reading(self.rss + other.rss, self.uss + other.uss, self.processes + other.processes,
                       self.connections + other.connections)


def _reading(processes: list[psutil.Process], served_port: int | None = None) -> Reading:
    total = Reading()
    for process in processes:
        try:
            info = process.memory_full_info()  # USS reads /proc/<pid>/smaps: a millisecond or two per process
            held = sum(1 for c in process.net_connections("tcp")
                       if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == served_port) if served_port else 0
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        total += Reading(info.rss, info.uss, 1, held)
    return total


@dataclass
class MemorySampler:
    """Every `interval` seconds, RSS and USS of gunicorn's master and each of its workers, and of each RQ worker
    alone and of what runs under it (RQ's scheduler process, and its work horse while a job runs); each sample is
    tagged with the phase the benchmark says it is in."""

    gunicorn: Service
    port: int  # gunicorn's
    rq_workers: list[Service]
    interval: float = 0.5
    phase: str = "rest"
    samples: list = field(default_factory=list)  # (phase, {row label: Reading})
    labels: list = field(default_factory=list)   # row labels in the order first seen

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def sample_now(self) -> None:
        readings = {"gunicorn master": _reading([psutil.Process(self.gunicorn.pid)])}
        for worker in sorted(_children(self.gunicorn.pid), key=lambda p: p.pid):
            readings[f"gunicorn worker pid {worker.pid}"] = _reading([worker], served_port=self.port)
        for service in self.rq_workers:
            readings[f"{service.name} pid {service.pid}"] = _reading([psutil.Process(service.pid)])
            readings[f"  under {service.name} (scheduler, horse)"] = _reading(_children(service.pid))
        for label in readings:
            if label not in self.labels:
                self.labels.append(label)
        self.samples.append((self.phase, readings))

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) so far: gunicorn's master and workers, and the RQ workers with everything
        under them (the horses they reaped and the processes still running under them)."""
        def own(process: psutil.Process) -> float:
            times = process.cpu_times()
            return times.user + times.system

        gunicorn = psutil.Process(self.gunicorn.pid)
        seconds = {"gunicorn": own(gunicorn) + sum(own(p) for p in gunicorn.children(recursive=True))}
        rq = 0.0
        for service in self.rq_workers:
            worker = psutil.Process(service.pid)
            times = worker.cpu_times()
            rq += own(worker) + times.children_user + times.children_system + sum(
                own(p) for p in worker.children(recursive=True))
        seconds["rq"] = rq
        return seconds

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample_now()
            except psutil.NoSuchProcess:
                pass  # a process ended between listing and reading; the next sample has the new picture
            self._stop.wait(self.interval)

    def table_rows(self) -> list[tuple]:
        """(process, RSS/USS MiB at rest (last sample), peak under load (max), after (last sample), most processes
        seen at once, most client connections held at once under load)."""
        phases = {name: [readings for phase, readings in self.samples if phase == name]
                  for name in ("rest", "load", "after")}
        totals = {name: [sum(r.values(), Reading()) for r in found] for name, found in phases.items()}
        rows = [("process", "rest RSS", "rest USS", "peak RSS", "peak USS", "after RSS", "after USS", "procs seen",
                 "clients held")]
        for label in self.labels + ["all of them"]:
            series = {name: [r.get(label) for r in found] if label != "all of them" else totals[name]
                      for name, found in phases.items()}
            rest = next((r for r in reversed(series["rest"]) if r), None)
            after = next((r for r in reversed(series["after"]) if r), None)
            rest, after = (r if r and r.processes else None for r in (rest, after))  # none running: "-"
            loaded = [r for r in series["load"] if r and r.processes]
            most = max((r.processes for phase in series.values() for r in phase if r), default=0)
            rows.append((label, _mib(rest and rest.rss), _mib(rest and rest.uss),
                         _mib(max((r.rss for r in loaded), default=None)),
                         _mib(max((r.uss for r in loaded), default=None)),
                         _mib(after and after.rss), _mib(after and after.uss), str(most),
                         str(max((r.connections for r in loaded), default=0)) if "gunicorn worker" in label else "-"))
        return rows

    def counts(self) -> dict:
        return {name: sum(1 for phase, _ in self.samples if phase == name) for name in ("rest", "load", "after")}


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / MIB:.1f}"


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, every CPU together."""
    times = psutil.cpu_times()
    busy = times.user + times.nice + times.system + times.irq + times.softirq + times.steal  # Linux (guest is in user)
    return busy, times.idle + times.iowait


def servers_cpu() -> dict[str, float]:
    """CPU seconds so far of the PostgreSQL server (its postmaster, the backends it reaped and those still running:
    Docket opens one per request) and of the Redis server on port 6379, whoever their clients are."""
    seconds = {"postgres": 0.0, "redis": 0.0}
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if process.info["name"] == "postgres" and process.parent() and process.parent().name() != "postgres":
                times = process.cpu_times()
                seconds["postgres"] += times.user + times.system + times.children_user + times.children_system + sum(
                    c.cpu_times().user + c.cpu_times().system for c in process.children(recursive=True))
            elif process.info["name"] == "redis-server" and ":6379" in " ".join(process.info["cmdline"] or []):
                times = process.cpu_times()
                seconds["redis"] += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return seconds


def database_sessions(admin_url: str, name: str) -> tuple[int, float]:
    """PostgreSQL's own count of the sessions (connections) opened to database `name` so far, and the time its
    backends spent executing statements (ms), from pg_stat_database."""
    import psycopg2

    connection = psycopg2.connect(admin_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sessions, active_time FROM pg_stat_database WHERE datname = %s", (name,))
            sessions, active = cursor.fetchone()
    finally:
        connection.close()
    return int(sessions), float(active)
