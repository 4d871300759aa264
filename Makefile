# The two set-up commands: `make run` (the bot on its embedded defaults) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/drillbot run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider
	$(BIN)/drillbot eval bank/evals --judge offline --json --gate bank/evals/thresholds.yaml > /dev/null
	$(BIN)/drillbot eval bank/evals/holdout --judge offline --json --gate bank/evals/holdout/thresholds.yaml > /dev/null
	$(BIN)/drillbot bank validate --strict bank/questions docs/example-pack > /dev/null

demo: $(STAMP)
	$(BIN)/drillbot demo

bench: $(STAMP)
	$(BIN)/drillbot bench

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache demo-out
