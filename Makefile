# `make compare` and `make test` set up .venv on first use (pinned versions from constraints.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= runs/compare

$(BIN)/newsgroups-mlp: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[torch,tf,test]"
	touch $@

.PHONY: setup compare test
setup: $(BIN)/newsgroups-mlp

compare: setup
	$(BIN)/newsgroups-mlp compare --out $(OUT)

test: setup
	$(BIN)/pytest
