# Two commands do everything on a fresh clone (only Python 3.11+ needed):
#   make demo   – runs the bot (offline demo when settings.env has no token)
#   make test   – runs the whole test suite
#   make test-loaded – the same suite while stress-ng oversubscribes the CPUs (STRESS_CPU=4 workers)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo run test test-browser test-loaded lint bench clean docs-images

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ngopas start

run: demo

# Two workers: many end-to-end tests mostly wait on Telegram pacing (1 msg/s per chat), so the suite
# takes about half as long; each worker starts its own emulators and PostgreSQL server.
test: $(STAMP)
	@scripts/ensure-postgres
	@scripts/ensure-poppler
	@scripts/ensure-browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist worksteal

# Only the browser tests of the public page (Chromium from Debian, axe-core from npm; `make test` runs them too).
test-browser: $(STAMP)
	@scripts/ensure-browser
	$(BIN)/pytest tests/test_site_browser.py

# The whole suite (exactly `make test`) while `stress-ng --cpu $(STRESS_CPU)` keeps both cores oversubscribed,
# as on a shared machine: shows that no test depends on a wall-clock budget (tests wait on events; the only
# limit is the hang guard, pytest-timeout in pyproject.toml).  stress-ng is installed when missing (root +
# apt-get) and stopped afterwards whatever happens.  More load: `make test-loaded STRESS_CPU=6`.
STRESS_CPU ?= 4
test-loaded: $(STAMP)
	scripts/with-stress $(STRESS_CPU) $(MAKE) test


# ruff (style, imports at the top) and import-linter (the layers of ARCHITECTURE.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The README's pictures of the SKM report (a PDF page) and the infographic, from the offline demo's data.
docs-images: $(STAMP)
	BIN=$(BIN) scripts/docs-images

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .cache build *.egg-info
