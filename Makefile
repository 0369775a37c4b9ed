# The set-up commands of README.md: `make build` (site), `make test-fast` (the tests that build
# nothing, in about a minute) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build pdf test test-fast bench clean

# The suite runs in one pytest-xdist worker per core (this machine and CI's have two), each test
# file on one worker so that its module fixtures build once; tests/conftest.py shares the session
# builds between the workers. `make test PYTEST_PARALLEL=` runs it in one process.
PYTEST_PARALLEL ?= -n 2 --dist loadfile

$(BIN)/hepmet: pyproject.toml constraints.txt
	@echo "[hepmet] 0/3 creating $(VENV) and installing pinned dependencies (constraints.txt)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

build: $(BIN)/hepmet
	$(BIN)/hepmet build

pdf: $(BIN)/hepmet
	$(BIN)/hepmet build --pdf

# axe-core for the accessibility gate, at the version package-lock.json pins.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@echo "[hepmet] installing the test suite's Node packages (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: $(BIN)/hepmet node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The fast tier: data, statistics and unit tests; no build, no browser, no TeX. tests/conftest.py
# marks every test that builds, opens Chromium or runs TeX as slow.
test-fast: $(BIN)/hepmet
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_PARALLEL)

bench: $(BIN)/hepmet
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf _build
