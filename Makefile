# Tijara: two commands on a fresh machine.
#   make run   sets up everything and runs the whole marketplace locally with demo data
#   make test  sets up everything and runs the whole test suite on real Kafka and the local MongoDB-wire store
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

EVENTS := clients/python/tijara-events

.PHONY: events-wheel setup run test test-unit test-integration test-e2e test-faults stack-up stack-down asyncapi schemas release-schemas bench clean bench-scale bench-stores bench-notifications

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

events-wheel: $(VENV)/.installed  ## the tijara-events wheel (depends on pydantic only) in clients/python/tijara-events/dist/
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(EVENTS)/dist $(EVENTS)
	$(PY) -m pip install --quiet --no-deps --force-reinstall $$(ls -t $(EVENTS)/dist/tijara_events-*.whl | head -1)  # examples/ use it as a team would

setup: $(VENV)/.installed events-wheel  ## virtual environment, dependencies, Kafka jars, mongo-java-server store, Keycloak (cached), chromium, wrk
	$(PY) -m deploy.local.stack provision
	$(PY) -m deploy.local.tools provision  # kustomize, kubeconform, promtool, prometheus, jaeger, vegeta, kube-score, checkov, Kubernetes schemas (cached)
	$(PY) -m deploy.local.keycloak provision  # Keycloak from Maven Central, built once for a file database (cached)
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)  # Debian's, for the e2e page test
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)  # Debian's, for python -m bench.page
	@command -v kcat >/dev/null && command -v jq >/dev/null || (apt-get update && apt-get install -y kcat jq)  # docs/partners.md's walkthrough (tests/integration/test_partner_walkthrough.py)
	@test -f .stack/npm/node_modules/axe-core/axe.min.js || npm install --silent --no-audit --no-fund --prefix .stack/npm axe-core@4.14.1  # accessibility checks of the page tests

run: setup  ## the whole marketplace on the 'run' stack; prints the country page URL; Ctrl-C stops everything
	$(PY) -m cli local run

test: setup  ## unit, contract, integration, e2e and fault tests; the test stack is started and stopped by the suite
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest tests/unit tests/contract

test-integration: setup
	$(PY) -m pytest tests/integration

test-e2e: setup
	$(PY) -m pytest tests/e2e

test-faults: setup  ## kill -9, broker restart, duplicates, poison, SIGTERM, replay: figures at the end
	$(PY) -m pytest tests/faults

schemas: $(VENV)/.installed  ## write shared/contracts/schemas/<ce_type>.json and docs/contract-changes.md; refuses breaking changes and a new version without its changelog entry
	$(PY) -m shared.contracts.gate

release-schemas: $(VENV)/.installed  ## at a release: snapshot the schemas into shared/contracts/schemas/released/ (the matrix's "released")
	$(PY) -m shared.contracts.gate --release

asyncapi: $(VENV)/.installed  ## export each service's AsyncAPI document to docs/asyncapi/ (no Kafka needed)
	$(PY) -m cli.asyncapi docs/asyncapi

bench-scale: setup  ## the pipeline against its raw limits at 2,000 and 250,000 aggregates, and a launch-sized replay (~5 min; not part of make test)
	$(PY) -m bench.pipeline

bench-notifications: setup  ## notifications against raw SMTP to the same Mailpit, and inquiry -> mailbox latency at 20/s (~3 min)
	$(PY) -m bench.notifications

bench-stores: setup  ## the MongoDB-wire store candidates side by side, same pymongo script (~4 min)
	$(PY) -m bench.stores

stack-up: setup
	$(PY) -m deploy.local.stack up --profile run

stack-down:
	$(PY) -m deploy.local.stack down --profile run
	$(PY) -m deploy.local.stack down --profile test

clean: stack-down
	rm -rf .stack/profiles
