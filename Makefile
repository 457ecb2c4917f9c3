# truce — two commands: `make run` and `make test`. Everything else is installed on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA := var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench system-deps demo assets clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@scripts/ensure-system-deps

# Front-end packages: `npm ci` again only when the lockfile changed (or node_modules/ is
# gone), then the files the pages load are copied into the static folder.
NPM_STAMP := node_modules/.installed
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

assets: system-deps $(NPM_STAMP)
	@scripts/build-assets

# The embedded default: an SQLite file holding the istanbul-2025 mechanism.
$(DATA)/truce.db: $(STAMP)
	mkdir -p $(DATA)
	$(BIN)/truce init --scenario scenarios/istanbul-2025 \
	  --database sqlite:///$(DATA)/truce.db --keys $(DATA)/keys --demo

demo: $(DATA)/truce.db

# The server, and every member's witness beside it (scripts/serve-with-witnesses).
run: system-deps assets $(STAMP) $(DATA)/truce.db
	TRUCE_DATABASE_URL=sqlite:///$(DATA)/truce.db TRUCE_CLOCK_KEY_FILE=$(DATA)/keys/sec-clock.key \
	  TRUCE=$(BIN)/truce scripts/serve-with-witnesses $(DATA)/keys scenarios/istanbul-2025 $(HOST) $(PORT)

# The whole suite, on SQLite and on a throwaway PostgreSQL cluster started for this run,
# in one worker process per core (at most four), each taking whole test modules, so that a
# module's served demo or browser is started once. The browser tests must run here:
# without Chromium they fail instead of skipping.
TEST_WORKERS ?= auto
test: system-deps assets $(STAMP)
	TRUCE_TEST_REQUIRE_BROWSER=1 scripts/with-postgres $(BIN)/python -m pytest \
	  -n $(TEST_WORKERS) --maxprocesses=4 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Every figure the issues ask for, each printed beside a baseline from the same run.
bench: system-deps $(STAMP)
	scripts/with-postgres $(BIN)/python benchmarks/log.py
	$(BIN)/python benchmarks/verify.py
	scripts/with-postgres $(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/notify.py
	$(BIN)/python benchmarks/reports.py

clean:
	rm -rf $(DATA) .pytest_cache .mypy_cache .ruff_cache test-output src/truce/web/static/vendor
