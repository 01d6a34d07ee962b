# Harvest: `make run` starts the board on the demo workshop, `make test` runs every test.
# Both create .venv and install requirements.txt first (only when it changed).
# `make run HALL=1` serves a hall: it listens on every interface and puts this computer's
# LAN address into links and the QR code (it says which address phones will use).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
HALL ?=
ifeq ($(HALL),1)
ADDRESS ?= 0.0.0.0
HALL_FLAG := --hall
else
ADDRESS ?= 127.0.0.1
HALL_FLAG :=
endif

.PHONY: setup run serve test test-fast lint bench clean

$(STAMP): requirements.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Harvest needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

run: setup
	@base=$$($(BIN)/python -m harvest address --port $(PORT) $(HALL_FLAG)) && \
	$(BIN)/python -m harvest demo --links --base-url "$$base" && \
	echo "Harvest starts: open the moderator link above, or http://localhost:$(PORT) (this computer's workshops)." && \
	if [ "$(HALL)" = 1 ]; then export HARVEST_BASE_URL="$$base"; fi && \
	HARVEST_LOCAL_ORGANISER=1 exec $(BIN)/python -m streamlit run harvest_app.py \
		--server.address $(ADDRESS) --server.port $(PORT) --browser.gatherUsageStats false

test: setup
	$(BIN)/python -m ruff check harvest app tests benchmarks harvest_app.py
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser and not slow"

lint: setup
	$(BIN)/python -m ruff check harvest app tests benchmarks harvest_app.py
	$(BIN)/python -m mypy

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
