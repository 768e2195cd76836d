# `make compare` and `make test` set up .venv on first use (pinned versions from constraints.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= runs
BENCH_ARGS ?=

$(BIN)/newsgroups-mlp: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[torch,tf,test]"
	touch $@

.PHONY: setup compare test bench
setup: $(BIN)/newsgroups-mlp

compare: setup
	$(BIN)/newsgroups-mlp compare --out $(OUT)/compare

test: setup
	$(BIN)/pytest

# The benchmark suite, then its report (BENCH_ARGS=--quick for the short smoke run).
bench: setup
	mkdir -p $(OUT)
	$(BIN)/pytest benchmarks/ $(BENCH_ARGS) --benchmark-json $(OUT)/bench.json
	$(BIN)/newsgroups-mlp report $(OUT)/bench.json $(wildcard $(OUT)/compare) --out $(OUT)/report
