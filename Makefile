# The two commands of the README, and the rest of the developer loop.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean samples

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Everything: the package with the MindSpore extra and the dev group.
$(STAMP): pyproject.toml setup.py analyzer/_scan.c analyzer/_bodies.c analyzer/_native.h | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[mindspore]' --group dev
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/analyzer demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

samples: $(STAMP)
	$(BIN)/python -m sample_logs.generate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
