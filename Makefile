# `make help` lists the targets. The first one you run sets up .venv with the versions in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= runs
BENCH_ARGS ?=
# make bench: each framework alone in its process (the other never imported: beside TensorFlow's threads PyTorch's
# rows ran slower, docs/benchmarks.md), the two taking turns process by process. The suite's first pair runs every
# case, then HEADLINE_PROCESSES more pairs the headline cases, so each headline figure rests on 1 + HEADLINE_PROCESSES
# pairs (the report's intervals are over them), and PREDICTION_PROCESSES more pairs the headline predictions: a
# prediction takes milliseconds, its ratio moves by a tenth from one process to the next, and a process of them
# alone takes half a minute.
HEADLINE_PROCESSES ?= 4
PREDICTION_PROCESSES ?= 1
# Which PyTorch build to install, from PyTorch's own wheel index: TORCH=cpu for the CPU-only build (about
# 0.2 GB where the default Linux one brings 3 GB of CUDA libraries), or cu126 and the like for one CUDA
# build. Left empty, pip takes what its default index offers (docs/reproducing.md, "Installing").
TORCH ?=
TORCH_INDEX := https://download.pytorch.org/whl/$(TORCH)
PIP := $(BIN)/pip install --quiet -c constraints.txt

.PHONY: help setup compare notebook notebook-outputs test test-fast bench clean
help:  ## this list
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The package and both frameworks: what compare, train, report and side-by-side need.
$(BIN)/newsgroups-mlp: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(if $(TORCH),$(PIP) --index-url $(TORCH_INDEX) torch)
	$(PIP) -e ".[torch,tf]"
	touch $@

# The test tools on top, for the test and benchmark targets only.
$(BIN)/pytest: $(BIN)/newsgroups-mlp
	$(PIP) -e ".[torch,tf,test]"
	touch $@

# JupyterLab on top, for the tutorial notebook; jupytext keeps docs/tutorial.ipynb and docs/tutorial.py paired.
$(BIN)/jupyter-lab: $(BIN)/newsgroups-mlp
	$(PIP) -e ".[torch,tf,notebook]"
	touch $@

setup: $(BIN)/newsgroups-mlp  ## install the package and both frameworks into .venv

compare: setup  ## train both frameworks on the same everything, 3 seeds (runs/compare)
	$(BIN)/newsgroups-mlp compare --out $(OUT)/compare

# JUPYTER_ARGS=--no-browser on a machine without one (JupyterLab prints the address to open).
JUPYTER_ARGS ?=
notebook: $(BIN)/jupyter-lab  ## install JupyterLab into .venv and open the tutorial notebook, docs/tutorial.ipynb
	$(BIN)/jupyter lab docs/tutorial.ipynb $(JUPYTER_ARGS)

notebook-outputs: $(BIN)/pytest  ## run docs/tutorial.py top to bottom into docs/tutorial.ipynb, with its outputs
	$(BIN)/newsgroups-mlp notebook

test: $(BIN)/pytest  ## the whole test suite, real-data trainings included
	$(BIN)/pytest --durations=15

test-fast: $(BIN)/pytest  ## every test but the real-data trainings and the slow ones: the inner loop
	$(BIN)/pytest -m "not real_data and not slow"

# The benchmark suite, each process's JSON kept in runs/bench/, then the report over them (BENCH_ARGS=--quick for
# the short smoke run, BENCH_ARGS='-m headline' for the headline cases alone; HISTORY=earlier run folders of this
# machine, kept from other times, for intervals that hold the spread between runs: docs/benchmarks.md).
HISTORY ?=
# Pair $$i of the cases $(1): process-$$i-torch.json and process-$$i-tf.json, PyTorch's process first in an odd pair,
# TensorFlow's in an even one (pytest's exit 5: none of them selected)
pair = for f in $$([ $$((i % 2)) -eq 1 ] && echo torch tf || echo tf torch); do \
	  $(BIN)/pytest $(1) $(BENCH_ARGS) --frameworks $$f --benchmark-json $(OUT)/bench/process-$$i-$$f.json \
	  || { [ $$? -eq 5 ] && rm -f $(OUT)/bench/process-$$i-$$f.json; } || exit 1; done
bench: $(BIN)/pytest  ## the benchmark suite in fresh processes and its report (runs/bench/, runs/report)
	rm -rf $(OUT)/bench && mkdir -p $(OUT)/bench
	i=1; $(call pair,benchmarks/ $(if $(filter -m%,$(BENCH_ARGS)),,--full))
	for i in $$(seq 2 $$((1 + $(HEADLINE_PROCESSES)))); do $(call pair,benchmarks/ -m headline); done
	for i in $$(seq $$((2 + $(HEADLINE_PROCESSES))) $$((1 + $(HEADLINE_PROCESSES) + $(PREDICTION_PROCESSES)))); do \
	  $(call pair,benchmarks/test_training.py::test_inference -m headline); done
	$(BIN)/newsgroups-mlp report $(OUT)/bench $(wildcard $(OUT)/compare) --out $(OUT)/report $(if $(HISTORY),--history $(HISTORY))

clean:  ## remove .venv, runs/ and the caches the targets leave (not the 20 Newsgroups data)
	rm -rf $(VENV) $(OUT) .pytest_cache .benchmarks build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
