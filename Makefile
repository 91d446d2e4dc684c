# Every target installs into .venv first, so a fresh machine needs only
# `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test validate bench docs gallery clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# the demo job, then the quick form of three cheap studies (1.5 min together on 2 busy cores);
# report/index.html shows both
DEMO_STUDIES := fixed_point_variances jacobian_spectrum instability_lines

demo: $(STAMP)
	$(BIN)/meanfield demo --out report
	$(BIN)/meanfield validate --quick --out report $(addprefix --study ,$(DEMO_STUDIES))

# two pytest-xdist workers, one per core, each test module on one worker (its module
# fixtures computed once); tests/conftest.py gives each worker one BLAS thread.
# 6 min 10 s against 8 min 40 s in one process (docs/performance.md); TEST_WORKERS=0 runs
# in one process
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not validation" -q -n $(TEST_WORKERS) --dist loadscope

# every study in full (several hours on 2 cores; the quick forms together about 75 minutes): report/index.html, report/summary.json;
# the same studies as tests: python -m pytest -m validation
validate: $(STAMP)
	$(BIN)/meanfield validate --out report

# reference pages (docs/cli.md, docs/api.md, docs/derivations/) and the HTML site docs/_site
docs: $(STAMP)
	$(BIN)/python -m meanfield.docsgen docs

# the gallery's theory figures (docs/gallery/*.png, docs/gallery.md; about an hour on 2 cores)
gallery: $(STAMP)
	$(BIN)/meanfield gallery --out docs/gallery

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulator.py --out report/bench-simulator.json
	$(BIN)/python benchmarks/bench_theory.py --out report/bench-theory.json
	$(BIN)/python benchmarks/bench_dmft.py --out report/bench-dmft.json
	$(BIN)/python benchmarks/bench_fixed_points.py --out report/bench-fixed-points.json

clean:
	rm -rf $(VENV) report build *.egg-info
