"""`make run`'s process counts: WORKERS general workers and READERS reading workers, 1 each unless set, and a
plain refusal of a count that isn't one."""
import subprocess
import sys

import pytest

from webapp.config import PROJECT_ROOT
from webapp.launcher import worker_count


@pytest.mark.parametrize("value, expected", [(None, 1), ("", 1), ("4", 4), (" 8 ", 8), ("64", 64)])
def test_worker_counts_default_to_one(value, expected):
    env = {} if value is None else {"WORKERS": value}
    assert worker_count(env, "WORKERS") == expected


@pytest.mark.parametrize("value", ["0", "-2", "abc", "2.5", "65"])
def test_a_count_that_isnt_one_is_refused_before_anything_starts(value, tmp_path):
    run = subprocess.run([sys.executable, "-m", "webapp.launcher"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "READERS": value, "DOCKET_INSTANCE_PATH": str(tmp_path)},
                         timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip() == f"READERS must be a whole number from 1 to 64 (it is {value!r})."
    assert not any(tmp_path.iterdir())  # nothing was migrated or started
