# `make run` starts the app; `make workshop` a training room (network, 共享模式, code, QR);
# `make test` runs ruff, mypy and every test (benchmark smoke tests: `make bench-smoke`);
# `make serve N=2` runs N app processes behind nginx for a trial (Ctrl-C stops them all).
# `make bundle` builds dist/jiguan-<version>-offline.tar.gz for intranets (README 「内网离线安装」).
# All create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARTIFACTS := artifacts

.PHONY: run workshop serve test typecheck bench-smoke lint format bench bundle clean
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

# A training room: trainer account (asked once), a workshop code, this machine's addresses and
# a QR code, then the app on the network in 共享模式 (PORT=8501 by default, WORKSHOP_ARGS: more).
workshop: $(VENV)/.runtime
	$(BIN)/python -m jiguan workshop --port $(or $(ROOM_PORT),8501) $(WORKSHOP_ARGS)

# Database: JIGUAN_DATABASE_URL (PostgreSQL for several processes), else the SQLite file.
serve: $(VENV)/.runtime
	$(BIN)/python -m deploy.cluster serve --processes $(N) --port $(PORT)

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	mkdir -p $(ARTIFACTS)
	$(BIN)/python -m pytest

# mypy: strict on jiguan/, checked on pages/ (pyproject.toml [tool.mypy]).
typecheck: $(VENV)/.dev
	$(BIN)/python -m mypy

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
