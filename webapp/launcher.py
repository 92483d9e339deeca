"""`make run`: migrate, seed the demo once, then run web + worker + email-in receiver + Xero sandbox + demo portal
until Ctrl-C."""
import json
import os
import signal
import secrets
import subprocess
import sys
import time
from pathlib import Path

from webapp import create_app, migrations
from webapp.accounts import demo
from webapp.accounts.models import Business, Membership, User
from webapp.config import PROJECT_ROOT, _instance_secret
from webapp.db import database
from webapp.queues import EXTRACT, QUEUE_NAMES

DEMO_PORTAL_ID = "demo-portal"


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DOCKET_ENV", "development")
    env.setdefault("LOG_FORMAT", "text")  # a person reads these in the terminal
    env.setdefault("OPERATOR_EMAILS", "admin@example.com")  # the demo admin sees the Operations page
    port, sandbox_port = env.setdefault("PORT", "8000"), env.setdefault("SANDBOX_PORT", "8001")
    portal_port = env.setdefault("PORTAL_PORT", "8002")
    smtp_port = env.setdefault("INBOUND_SMTP_PORT", "8025")
    try:
        workers, readers = (worker_count(env, name) for name in ("WORKERS", "READERS"))
    except ValueError as problem:
        print(problem, file=sys.stderr)
        return 2
    host = env.setdefault("HOST", "127.0.0.1")
    instance = Path(env.setdefault("DOCKET_INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
    use_portal = not env.get("EMBED_PORTALS")  # with real portals configured, no demo one
    if use_portal:
        portal_key = _instance_secret(instance, "portal_demo_key", lambda: secrets.token_urlsafe(48))
        env["EMBED_PORTALS"] = json.dumps({DEMO_PORTAL_ID: {"origin": f"http://localhost:{portal_port}",
                                                            "key": portal_key}})
    os.environ.update(env)

    app = create_app()  # starts the embedded Redis when REDIS_URL is unset; we keep it for the children
    env["REDIS_URL"] = app.config["REDIS_URL"]
    with app.app_context(), database.connection_context():
        migrations.upgrade(database.obj)
        demo.seed_demo()
        launches = _demo_launches()

    children = []
    use_sandbox = not env.get("XERO_CLIENT_ID")  # with a real Xero app configured, Docket talks to Xero
    if use_sandbox:  # the sandbox sends its signed webhooks to this Docket
        env.setdefault("SANDBOX_WEBHOOK_URL", f"http://{host}:{port}/webhooks/xero")
        env.setdefault("SANDBOX_WEBHOOK_KEY", app.config["XERO_WEBHOOK_KEY"])
        children.append(_start("sandbox", [sys.executable, "-m", "xero_sandbox", "--host", host,
                                           "--port", sandbox_port, "--database", str(instance / "xero_sandbox.db")],
                               env))
    queues = [queue for queue in QUEUE_NAMES if queue != EXTRACT]
    children += [_start(f"worker-{n}", [sys.executable, "-m", "jobs.worker", *queues], env)
                 for n in range(1, workers + 1)]
    children += [_start(f"reader-{n}", [sys.executable, "-m", "jobs.worker", "--reading"], env)
                 for n in range(1, readers + 1)]
    children += [
        _start("email-in", [sys.executable, "-m", "webapp.inbound.smtp", "--host", host, "--port", smtp_port], env),
        _start("web", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app",
                       "--bind", f"{host}:{port}", "--workers", "2", "--threads", "4", "--access-logfile", "-"], env),
    ]
    if use_portal:
        docket_host = "127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host  # not the portal's site
        children.append(_start("portal", [sys.executable, "-m", "portal_demo", "--port", portal_port], env | {
            "PORTAL_DEMO_ID": DEMO_PORTAL_ID, "PORTAL_DEMO_KEY": portal_key,
            "PORTAL_DEMO_DOCKET_URL": f"http://{docket_host}:{port}", "PORTAL_DEMO_LAUNCHES": json.dumps(launches)}))
    print(f"\nDocket is running at http://{host}:{port}/", flush=True)
    print(f"Email-in: SMTP on {host}:{smtp_port} for *@{app.config['INBOUND_EMAIL_DOMAIN']} (addresses under "
          "Settings → Email-in)")
    print(f"Log in as {demo.ADMIN_EMAIL} (admin) or {demo.STAFF_EMAIL} (standard), password {demo.DEMO_PASSWORD}")
    if use_sandbox:
        print(f"Xero sandbox at http://{host}:{sandbox_port}/ (its Xero login: demo@xero.example / "
              f"{demo.DEMO_PASSWORD}; operator page: http://{host}:{sandbox_port}/operator/)")
    if use_portal:
        print(f"Demo practice portal embedding Docket at http://localhost:{portal_port}/ (signed launch, no "
              "login; embedded cookies need a Chromium-based browser over plain http)")
    print("Press Ctrl-C to stop.\n", flush=True)
    return _supervise(children)


def worker_count(env: dict, name: str) -> int:
    """WORKERS (publishing, lists, email-in, maintenance) or READERS (reading documents): 1 unless set, 1 to 64."""
    raw = env.get(name, "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise ValueError(f"{name} must be a whole number from 1 to 64 (it is {raw!r}).")
    return int(raw)


def _demo_launches() -> list[dict]:
    """Who the demo portal can open Docket as: each demo person in each demo business, with their role; those who
    may publish once with publishing granted and once without."""
    memberships = (Membership.select(Membership, User, Business).join(User).switch(Membership).join(Business)
                   .where(User.email.in_([demo.ADMIN_EMAIL, demo.STAFF_EMAIL]))
                   .order_by(Business.name, User.email))
    return [{"label": f"{m.business.name} — {m.user.display_name} ({m.role}{', can publish' if publish else ''})",
             "email": m.user.email, "business": m.business_id, "role": m.role, "can_publish": publish}
            for m in memberships for publish in ((True, False) if m.may_publish else (False,))]


def _start(name: str, command: list[str], env: dict) -> tuple[str, subprocess.Popen]:
    return name, subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)


def _supervise(children: list[tuple[str, subprocess.Popen]]) -> int:
    """Wait until Ctrl-C/SIGTERM or until one process exits, then stop them all."""
    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    while not stopping:
        for name, process in children:
            if process.poll() is not None:
                print(f"{name} exited with status {process.returncode}; stopping everything.", file=sys.stderr)
                exit_code, stopping = process.returncode or 1, True
        time.sleep(0.5)
    for _, process in children:
        if process.poll() is None:
            process.terminate()
    for _, process in children:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
