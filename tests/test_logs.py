"""Logs name requests by their path only: Xero's callback brings a one-time code in its query string."""
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import LiveServer, REDIS_URL

ROOT = Path(__file__).resolve().parents[1]
CALLBACK = "/integrations/xero/callback?code=secret-code-123&state=secret-state-456"


def test_gunicorn_access_log_has_the_path_but_not_the_code(tmp_path):
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    env = os.environ | {"DOCKET_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'docket.db'}",
                        "REDIS_URL": REDIS_URL, "DOCKET_INSTANCE_PATH": str(tmp_path)}
    # As README's production notes and `make run` start it, on a free loopback port (0: gunicorn picks one).
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app",
                               "--bind", "127.0.0.1:0", "--workers", "1", "--access-logfile", str(access_log),
                               "--error-logfile", str(error_log), "--control-socket", str(tmp_path / "ctl")],
                              cwd=ROOT, env=env)
    try:
        url = _listening_at(error_log, server)
        answer = requests.get(url + CALLBACK, allow_redirects=False, timeout=10,
                              headers={"Referer": url + CALLBACK})
        assert answer.status_code == 302  # nobody signed in: on to the login page
        time.sleep(0.2)  # the worker writes its line once the response has gone
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = access_log.read_text()
    assert '"GET /integrations/xero/callback HTTP/1.1" 302' in logged
    assert "secret" not in logged and "secret" not in error_log.read_text()


def test_development_server_log_has_the_path_but_not_the_code(app, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"), LiveServer(app) as server:
        answer = requests.get(server.url + CALLBACK, timeout=10)  # and the login page it redirects to
    assert answer.status_code == 200 and "/login?next=" in answer.url
    assert '"GET /integrations/xero/callback HTTP/1.1" 302' in caplog.text
    assert '"GET /login HTTP/1.1" 200' in caplog.text and "secret" not in caplog.text


def _listening_at(error_log: Path, server: subprocess.Popen) -> str:
    deadline = time.time() + 30
    while time.time() < deadline and server.poll() is None:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", error_log.read_text() if error_log.exists() else "")
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start: {error_log.read_text() if error_log.exists() else ''}")
