"""Ten worker processes hit Xero at once with an expired token: one refresh, ten successes (on both backends:
the Redis lock and the re-read after it are what keep the refresh single)."""
import multiprocessing

import requests

from tests import xero_helpers as xh
from tests.test_integrations_flow import connect

WORKERS = 10


def _call_xero(config: dict, connection_id: int, barrier, results) -> None:
    """One process, as an RQ worker would be: its own app, database and Redis connections."""
    from webapp import create_app
    from webapp.integrations.models import Connection

    app = create_app(config)
    with app.app_context():
        connection = Connection.get_by_id(connection_id)
        barrier.wait(timeout=30)
        try:
            name = app.extensions["xero"].client_for(connection).get("Organisation")["Organisations"][0]["Name"]
            results.put(("ok", name))
        except Exception as error:  # reported to the parent, which fails the test with it
            results.put(("error", repr(error)))


def test_concurrent_jobs_refresh_the_token_once(xero_app, admin_client, admin, sandbox):
    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    requests.post(f"{sandbox.url}/operator/api/tokens/expire", json={})
    issued = xh.tokens_issued(sandbox.url)
    config = {key: xero_app.config[key] for key in ("DATABASE_URL", "REDIS_URL", "XERO_BASE_URL", "TESTING")}
    config["XERO_LIMIT_MAX_WAIT"] = 30  # ten calls at once after the connect's: some wait their turn in the pace
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [context.Process(target=_call_xero, args=(config, connection.id, barrier, results))
                 for _ in range(WORKERS)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert outcomes == [("ok", xh.UK_ORG)] * WORKERS
    assert xh.tokens_issued(sandbox.url) == issued + 1
