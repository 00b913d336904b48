# Two commands: `make run` serves the dashboard on the demo data, `make test` runs every check.
# Needs only Python 3.11 and make; everything else is installed into ./.venv.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
PORT ?= 8501
# small SVDs in disclosure control run faster single-threaded, and do not fight over 2 cores
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test lint demo bench chromium axe clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(PY) -m indicators ensure-store
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

# two workers, one test file each at a time: the browser tests wait on Chromium while the
# others compute (about 6 minutes instead of 10 on 2 cores)
test: $(DEV_STAMP) chromium axe
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist loadfile

lint: $(DEV_STAMP)
	$(PY) -m ruff check .

demo: $(RUNTIME_STAMP)
	$(PY) -m indicators demo

# figures, not tests (bench/results.json): page reruns on the demo and a generated national
# dataset, the national import against DuckDB's read_csv, cold start and 10 concurrent sessions
# in headless Chromium, peak memory. `make bench ARGS=--quick` for a small version.
bench: $(DEV_STAMP) chromium
	$(PY) -m indicators bench $(ARGS)

# Debian's chromium for the real-browser tests (Playwright drives /usr/bin/chromium; no downloads).
chromium:
	@if [ -x /usr/bin/chromium ]; then \
		true; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
		echo "" >&2; \
		echo "!!! /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get)." >&2; \
		echo "!!! The real-browser tests will be SKIPPED. Install it with: sudo apt-get install chromium" >&2; \
		echo "" >&2; \
	fi

# axe-core, the accessibility checker the browser tests run in each page (pinned, hash-checked).
axe: | $(PY)
	$(PY) scripts/fetch_axe.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .cache build
