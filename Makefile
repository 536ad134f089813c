# The one door: README and CI call only these targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs python3.13; pyenv provides it beside the host's default 3.11.
export PYENV_VERSION ?= 3.11.7:3.13.0
PYTHON ?= python3.13
VENV := .venv
CHECKOV_VENV := .venv-checkov
BIN := $(abspath $(VENV)/bin)
export PATH := $(BIN):$(PATH)
export PYTHONPATH := $(abspath local):$(abspath layers/shared):$(abspath layers/offline_models)
# botocore >= 1.36 builds account-based DynamoDB endpoints that moto's in-process mock does not route.
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled
BUILD := .build
FUNCTION_DIRS := $(sort $(dir $(wildcard functions/*/app.py)))
WEB := frontend
# `make deploy-web STACK_NAME=...`: the deployed stack whose bucket and distribution get the build.
STACK_NAME ?=

.PHONY: help install lint test unit build translate local bench deploy clean \
	web-install web-types web-build web-test deploy-web

help:
	@echo "make install  create .venv (python3.13) from pinned requirements"
	@echo "make lint     ruff, mypy, cfn-lint (source + translated), serverless rules, checkov"
	@echo "make build    sam build for arm64"
	@echo "make test     install + lint + build + every pytest suite"
	@echo "make local    run the whole application on this machine (no AWS, no Docker)"
	@echo "make bench    benchmarks that print figures against an in-run baseline"
	@echo "make deploy   sam build && sam deploy (ENV=dev|prod, default: default)"
	@echo "make deploy-web STACK_NAME=<stack>  build the web app, upload it and its config.json"
	@echo "make web-types  regenerate the API's OpenAPI document and the web app's types from it"

install: $(VENV)/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

# checkov pins libraries that clash with aws-sam-cli, so it lives in its own environment.
$(CHECKOV_VENV)/.installed: requirements/checkov.txt requirements/checkov-constraints.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements/checkov.txt -c requirements/checkov-constraints.txt
	touch $@

# ---- the web app (frontend/): npm packages from the committed lockfile only ----
$(WEB)/node_modules/.installed: $(WEB)/package-lock.json $(WEB)/package.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

web-install: $(WEB)/node_modules/.installed

web-types: install web-install
	python tools/openapi.py --output $(WEB)/src/api/openapi.json
	cd $(WEB) && npx openapi-typescript src/api/openapi.json -o src/api/schema.d.ts

web-build: web-install
	cd $(WEB) && npm run build

# Vitest, and the check that the committed OpenAPI document still matches the handlers.
web-test: install web-install
	python tools/openapi.py --check $(WEB)/src/api/openapi.json
	cd $(WEB) && npx vitest run

deploy-web: install web-build
	@test -n "$(STACK_NAME)" || { echo "usage: make deploy-web STACK_NAME=<deployed stack>"; exit 2; }
	python tools/deploy_web.py --stack-name $(STACK_NAME) --dist $(WEB)/dist

translate: install
	mkdir -p $(BUILD)
	python -m stratus_local translate template.yaml --output $(BUILD)/template.translated.json

lint: install translate
	ruff check .
	ruff format --check .
	mypy layers/shared/stratus_shared layers/offline_models/stratus_offline_models local/stratus_local
	@for d in $(FUNCTION_DIRS); do echo "mypy $$d"; MYPYPATH=layers/shared:$$d mypy $$d || exit 1; done
	cfn-lint -a tools/cfn_rules -- template.yaml
	cfn-lint -a tools/cfn_rules -- $(BUILD)/template.translated.json
	@# WS1004 only recognises log groups named /aws/lambda/<function>, which must be created after the
	@# function; E9101 (tools/cfn_rules) checks the LoggingConfig.LogGroup pattern used instead.
	cfn-lint -a cfn_lint_serverless.rules -a tools/cfn_rules -i WS1004 -- template.yaml
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml -f template.yaml -f $(BUILD)/template.translated.json

build: install
	sam build --template-file template.yaml --build-dir .aws-sam/build

unit: install
	pytest tests/unit -q

test: install lint build web-build web-test
	pytest -q

# ARGS passes options through, e.g. make local ARGS=--verbose (the functions' own logs).
local: install web-build
	python -m stratus_local up $(ARGS)

bench: install web-build
	python -m benchmarks

ENV ?= default
deploy: build
	sam deploy --config-env $(ENV)

clean:
	rm -rf $(BUILD) .aws-sam .mypy_cache .ruff_cache $(WEB)/dist test-results
