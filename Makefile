# Developer and CI entry points. Everything runs inside .venv (created on demand).
SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# Stamps live inside .venv, so a fresh venv always reinstalls; a newer pyproject.toml reinstalls too.
DEV_STAMP   := $(VENV)/.stamp-dev
BENCH_STAMP := $(VENV)/.stamp-bench
TCK_DIR ?= ../shared/dmn-tck

.PHONY: venv run test lint bench tck clean image deploy-compose

venv: $(DEV_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

$(BENCH_STAMP): pyproject.toml $(DEV_STAMP)
	$(BIN)/python -m pip install -e '.[bench]'
	touch $@

# the whole system on one machine: embedded engine (gRPC :26500, REST :8080), workers, deployed models, web (:8000)
run: venv
	$(BIN)/ipa up

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(BENCH_STAMP)
	$(BIN)/python bench/feel_dmn.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/dashboard.py

tck: venv
	$(BIN)/python -m engine.dmn.tck $(TCK_DIR)

# Removes caches and build output; keeps .venv (delete it by hand for a from-scratch install).
clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis $(DEV_STAMP) $(BENCH_STAMP)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

# Camunda 8.8 (Zeebe, Operate, Tasklist, Elasticsearch) + workers + web, built from this checkout (needs Docker);
# a one-shot service deploys bpmn/, dmn/ and forms/. Set IPA_WEB_SECRET in deploy/compose/.env first.
deploy-compose:
	cp -n deploy/compose/.env.example deploy/compose/.env || true
	docker compose -f deploy/compose/docker-compose.yaml up -d --build

image:
	docker build -f deploy/Dockerfile -t ipa:0.1.0 .
