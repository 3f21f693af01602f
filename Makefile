# Two commands: `make demo` and `make test`. Both bootstrap idempotently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.a2perf-installed

.PHONY: demo test setup lint format bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py a2perf/envs/quadruped/_pdloop.c
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  echo "installing chromium + chromium-driver (apt)"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi
	@if ! command -v cc >/dev/null 2>&1 || ! $(PYTHON) -c "import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"; then \
	  echo "installing gcc + the Python headers (apt) for the compiled quadruped motor loop"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y gcc python3-dev; \
	fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	@touch $(STAMP)

demo: setup
	$(BIN)/a2perf demo

# One BLAS thread per test worker: two workers on two cores must not oversubscribe
# (OpenBLAS threads spin-wait and slow small matrix products tens of times on a busy box).
test: setup lint
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/a2perf bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
