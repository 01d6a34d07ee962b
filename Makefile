# Harvest: `make run` starts the board on the demo workshop, `make test` runs every test.
# Both create .venv and install requirements.txt first (only when it changed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: setup run serve test test-fast lint bench clean

$(STAMP): requirements.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Harvest needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/python -m harvest demo --links --base-url http://localhost:$(PORT)
	@echo "Harvest starts: open the moderator link above, or http://localhost:$(PORT) (this computer's workshops)."
	HARVEST_LOCAL_ORGANISER=1 $(BIN)/python -m streamlit run harvest_app.py \
		--server.address $(ADDRESS) --server.port $(PORT) --browser.gatherUsageStats false

test: setup
	$(BIN)/python -m ruff check harvest tests benchmarks harvest_app.py
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser and not slow"

lint: setup
	$(BIN)/python -m ruff check harvest tests benchmarks harvest_app.py
	$(BIN)/python -m mypy

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
