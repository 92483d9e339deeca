"""Run every benchmark under bench/ with its default settings, print their tables as they come, then one table
of every benchmark's outcome.

    .venv/bin/python -m bench.run_all [name ...]

Benchmarks in ON_REQUEST take too long for every run (more than ten minutes): they run only when named.

Each benchmark runs in its own process (they bind the app's global database and Xero services), one
after another so they do not compete for the machine. Exits non-zero when a benchmark failed (crashed, or
found a wrong result); a missed target is a measurement, printed as MISSED by the benchmark itself."""
import subprocess
import sys
import time
from pathlib import Path

from bench.common import text_table

BENCHMARKS = [  # module under bench/, what it measures (add yours here)
    ("lists_refresh", "issue 5: list refresh against the sandbox (10,000 contacts, 500 accounts)"),
    ("items_pages", "issue 6: Items list, Item details and an inline edit (10,000 items), server time and queries"),
    ("publishing", "issue 7: bulk publish of 500 items by 4 workers against the sandbox's limits x2: calls per item, "
                   "calls per minute, 429s, duplicates"),
    ("publish_drill", "issue 7: fault drill: 10 worker kills during a bulk publish of 100 items, then every item "
                      "published exactly once"),
    ("xero_drills", "issue 9: Xero-side drills: 500/503/429 bursts and timeouts during a bulk publish, a token "
                    "refresh race across 4 workers, the 30-minute token expiry mid-publish; 0 duplicates, 0 lost"),
    ("load", "issue 9: 16 bookkeepers at once on 4 businesses against gunicorn + 2 RQ workers: latency per request "
             "kind against one bookkeeper alone and /healthz, memory of the processes, items published exactly once"),
    ("drill_redis", "issue 9: fault drill: a private Redis killed for 10 s (losing everything) during a bulk publish "
                    "of 100 items; plain messages meanwhile, then every item published exactly once"),
    ("drill_postgres", "issue 9: fault drill: a private PostgreSQL stopped for 5 s under load (gunicorn, 4 people) "
                       "and a publishing worker; clean 503s, recovery, 0 duplicates, 0 lost"),
    ("backup_drill", "issue 18: publish, back up (pg_dump, the documents, the keys), wipe, restore, migrate; nothing "
                     "lost, the connection still works, publishing again"),
    ("email_drill", "issue 17: email-in: 200 messages by SMTP while the worker is killed 5 times, every accepted one "
                    "its items exactly once; messages per second accepted and turned into items"),
]
ON_REQUEST = [  # run only when named
    ("mutation", "tests that catch what breaks: mutation testing (mutmut) of the money, access and duplicates "
                 "modules, mutants killed per module (hours for all of them)"),
]


def main(argv: list[str] | None = None) -> int:
    chosen = set(sys.argv[1:] if argv is None else argv)
    root = Path(__file__).resolve().parent.parent
    rows = [("benchmark", "outcome", "MISSED lines", "WRONG lines", "wall s")]
    for module, about in [b for b in BENCHMARKS + ON_REQUEST if b[0] in chosen] if chosen else BENCHMARKS:
        print(f"=== bench.{module}: {about}", flush=True)
        start = time.perf_counter()
        code, missed, wrong = _run(module, root)
        wall = time.perf_counter() - start
        print(f"=== bench.{module} finished in {wall:.0f} s" + ("" if code == 0 else f" (exit code {code})") + "\n",
              flush=True)
        outcome = "OK" if code == 0 and not (missed or wrong) else "MISSED" if code == 0 and not wrong else \
            f"WRONG (exit {code})"
        rows.append((module, outcome, str(missed), str(wrong), f"{wall:.0f}"))
    print(text_table(rows, numeric={2, 3, 4}))
    return 1 if any(row[1].startswith("WRONG") for row in rows[1:]) else 0


def _run(module: str, root: Path) -> tuple[int, int, int]:
    """Run one benchmark, passing its output through; its exit code and how many lines said MISSED and WRONG."""
    missed = wrong = 0
    with subprocess.Popen([sys.executable, "-m", f"bench.{module}"], cwd=root, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            missed += "MISSED" in line
            wrong += "WRONG" in line
    return process.returncode, missed, wrong


if __name__ == "__main__":
    sys.exit(main())
