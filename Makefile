# `make run` starts the app; `make test` runs every test (benchmark smoke tests: `make bench-smoke`);
# `make serve N=2` runs N app processes behind nginx for a trial (Ctrl-C stops them all).
# `make bundle` builds dist/jiguan-<version>-offline.tar.gz for intranets (README 「内网离线安装」).
# All create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARTIFACTS := artifacts

.PHONY: run serve test bench-smoke lint format bench bundle clean
N ?= 2
PORT ?= 8080

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本（当前 %s）" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/python -m streamlit run app.py

# Database: JIGUAN_DATABASE_URL (PostgreSQL for several processes), else the SQLite file.
serve: $(VENV)/.runtime
	$(BIN)/python -m deploy.cluster serve --processes $(N) --port $(PORT)

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p $(ARTIFACTS)
	$(BIN)/python -m pytest

bench-smoke: $(VENV)/.dev
	$(BIN)/python -m pytest -m bench

lint: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev
	$(BIN)/python bench/bench_scoring.py
	$(BIN)/python bench/bench_app.py

# The app, a wheelhouse for Linux x86_64 and Windows amd64 (CPython 3.11, 3.12), install.sh/.bat.
bundle: $(VENV)/.runtime
	$(BIN)/python -m deploy.bundle --out dist

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(ARTIFACTS) dist
