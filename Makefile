# Every target installs into .venv first, so a fresh machine needs only
# `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test validate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/meanfield demo --out report

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not validation" -q

validate: $(STAMP)
	$(BIN)/python -m pytest -m "validation" -q -s

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulator.py --out report/bench-simulator.json
	$(BIN)/python benchmarks/bench_theory.py --out report/bench-theory.json
	$(BIN)/python benchmarks/bench_dmft.py --out report/bench-dmft.json
	$(BIN)/python benchmarks/bench_fixed_points.py --out report/bench-fixed-points.json

clean:
	rm -rf $(VENV) report build *.egg-info
