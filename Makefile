# Two entry points that work on a fresh machine with only Python and the package registries:
#   make run   - run the workflow on the embedded synthetic study area (config.yaml)
#   make test  - run the test suite
# Each creates .venv and installs the package with what it needs when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CORES ?= 2

.PHONY: run test lint bench report clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dl]"
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check --select F,E --ignore E501 src scripts tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/composite_throughput.py

clean:
	rm -rf results .snakemake
