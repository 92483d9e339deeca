"""Run every benchmark under bench/ with its default settings and print their tables.

    .venv/bin/python -m bench.run_all

Each benchmark runs in its own process (they bind the app's global database and Xero services), one
after another so they do not compete for the machine. Exits non-zero when a benchmark failed (crashed, or
found a wrong result); a missed target is a measurement, printed as MISSED by the benchmark itself."""
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = [  # module under bench/, what it measures (add yours here)
    ("lists_refresh", "issue 5: list refresh against the sandbox (10,000 contacts, 500 accounts)"),
    ("items_pages", "issue 6: Items list, Item details and an inline edit (10,000 items), server time and queries"),
    ("publishing", "issue 7: bulk publish of 500 items by 4 workers against the sandbox's limits x2: calls per item, "
                   "calls per minute, 429s, duplicates"),
    ("publish_drill", "issue 7: fault drill: 10 worker kills during a bulk publish of 100 items, then every item "
                      "published exactly once"),
]


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    failed = []
    for module, about in BENCHMARKS:
        print(f"=== bench.{module}: {about}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{module}"], cwd=root)
        print(f"=== bench.{module} finished in {time.perf_counter() - start:.0f} s"
              + ("" if code == 0 else f" (exit code {code})") + "\n", flush=True)
        if code != 0:
            failed.append(module)
    if failed:
        print(f"Failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
