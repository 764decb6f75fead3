# Two entry points that work on a fresh machine with only Python and the package registries:
#   make run   - run the workflow on the embedded synthetic study area (config.yaml)
#   make test  - run the test suite
# Each creates .venv and installs the package with what it needs when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUM := $(shell cksum pyproject.toml | cut -d' ' -f1)
# what `make run` needs (the package and Snakemake: no deep-learning packages, which the default run does not use)
RUN_STAMP := $(VENV)/.installed-run-$(SUM)
# and what the tests need besides (pytest, the linters, PyTorch and segmentation-models-pytorch)
TEST_STAMP := $(VENV)/.installed-test-$(SUM)
CORES ?= 2

.PHONY: run test lint bench report clean

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	rm -f $(VENV)/.installed-* && touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,dl]"
	touch $@

# progress and warnings on the terminal; each job's messages are in its log (results/{region}/logs/)
run: $(RUN_STAMP)
	$(BIN)/snakemake --cores $(CORES) --quiet rules host

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check --select F,E --ignore E501 src scripts tests benchmarks

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/composite_throughput.py

clean:
	rm -rf results .snakemake
