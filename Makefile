# The two commands of README.md: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# pytest-xdist processes for `make test` (0: one process); tests/conftest.py gives each its own databases
TEST_WORKERS ?= 2

.PHONY: run test migrate bench install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install:  # production: Docket and what it runs on, not the test tools
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .

run: $(VENV)/.installed
	$(PY) -m webapp.launcher

test: $(VENV)/.installed
	bash .ci/ensure-chromium
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) -m bench.run_all

migrate: $(VENV)/.installed
	$(VENV)/bin/flask --app wsgi migrate
