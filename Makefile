# ossimg: `make demo` runs the main job on the embedded OSS emulator; `make test` runs the tests.
# Both create .venv themselves. Only python3 (>= 3.10) with venv is needed on the machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
# Debian packages with the fonts OSS names for text watermarks (wqy-zenhei, wqy-microhei, droidsansfallback).
FONT_PACKAGES := fonts-wqy-zenhei fonts-wqy-microhei fonts-droid-fallback
FONT_CHECK := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

.DEFAULT_GOAL := help
.PHONY: help venv fonts demo test test-cloud lint compat bench build deploy invoke emulator up failures clean
.PHONY: backfill

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install ossimg with its local and dev extras

fonts: ## install the watermark fonts OSS names (Debian packages; needs root or sudo)
	@if [ -f $(FONT_CHECK) ]; then exit 0; fi; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	if command -v apt-get >/dev/null; then \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $(FONT_PACKAGES) >/dev/null; \
	else echo "fonts: no apt-get here; install $(FONT_PACKAGES) (text watermarks fall back to Pillow's font)"; fi

demo: $(STAMP) fonts ## build on_upload, run it as FC does on events/ against the embedded emulator; outputs in out/demo
	$(BIN)/ossimg demo --out $(OUT)

test: lint fonts ## lint, then run the whole test suite (one worker per core, slowest ten printed)
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=10

# The real bucket test-cloud runs against; OSSIMG_TEST_SECURITY_TOKEN is optional (STS keys).
CLOUD_VARIABLES := OSSIMG_TEST_ENDPOINT OSSIMG_TEST_REGION OSSIMG_TEST_BUCKET OSSIMG_TEST_ACCESS_KEY_ID OSSIMG_TEST_ACCESS_KEY_SECRET
CLOUD_TESTS ?= tests/emulator tests/e2e/test_saveas_lineage.py

test-cloud: $(STAMP) ## run the SDK tests and the saveas/lineage e2e tests against the real OSS that OSSIMG_TEST_* name
	@missing=""; for v in $(CLOUD_VARIABLES); do eval "[ -n \"\$${$$v}\" ]" || missing="$$missing $$v"; done; \
	if [ -n "$$missing" ]; then echo "test-cloud: skipped, no real OSS named (set$$missing)"; exit 0; fi; \
	$(BIN)/python -m pytest --cloud $(CLOUD_TESTS)

lint: $(STAMP) ## ruff, mypy --strict, import contracts
	$(BIN)/ruff check shared local functions tests bench
	$(BIN)/ruff format --check --quiet shared local functions tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) ## print speed and memory figures, each against a baseline measured in the same run
	$(BIN)/python bench/img_engine.py
	$(BIN)/python bench/rules_match.py
	$(BIN)/python bench/handler.py
	$(BIN)/python bench/backfill.py

invoke: $(STAMP) ## run the handler once on EVENT=events/<file>.json against a fresh emulator
	$(BIN)/ossimg demo --out $(OUT) --event $(EVENT)

emulator: $(STAMP) ## serve the OSS emulator in the foreground (DATA=dir PORT=n)
	$(BIN)/ossimg emulator --data $${DATA:-.emulator-data} --port $${PORT:-9000}

compat: $(STAMP) ## run the tests on every FC Python runtime found here (python3.10, python3.12)
	@for v in 3.10 3.12; do \
	  if command -v python$$v >/dev/null; then \
	    python$$v -m venv .venv-$$v && .venv-$$v/bin/python -m pip install --quiet -e '.[dev]' && \
	    .venv-$$v/bin/python -m pytest -q -p no:cacheprovider || exit 1; \
	  else echo "python$$v not found: skipped"; fi; \
	done

build: $(STAMP) ## package functions/ as FC runs them into build/ (code, ossimg, compiled rules, dependencies)
	$(BIN)/ossimg build

deploy: build ## apply template.yml to FC: ENDPOINT= ACCOUNT= ROLE= INVOCATION_ROLE= (keys in ALIBABA_CLOUD_*)
	$(BIN)/ossimg deploy --endpoint $(ENDPOINT) --account-id $(ACCOUNT) --role $(ROLE) --invocation-role $(INVOCATION_ROLE)

up: $(STAMP) fonts ## the local cloud: emulator on PORT (9000), built on_upload run by INSTANCES (4) on every matching upload
	$(BIN)/ossimg up --port $${PORT:-9000} --data $${DATA:-.emulator-data} --instances $${INSTANCES:-4}

backfill: $(STAMP) ## variants of what is already stored: BUCKET (ossimg-uploads) PREFIX DRY_RUN=1 VIA=fc FC_ENDPOINT=… (local cloud)
	$(BIN)/ossimg backfill --bucket $${BUCKET:-ossimg-uploads} --prefix "$${PREFIX:-}" --rules $${RULES:-rules/example.yaml} \
	  --via $${VIA:-local} $${DRY_RUN:+--dry-run} $${FC_ENDPOINT:+--fc-endpoint $$FC_ENDPOINT}

failures: $(STAMP) ## list the events that exhausted FC's retries under make up (ossimg failures redrive sends them back)
	$(BIN)/ossimg failures list --dir $${DATA:-.emulator-data}/failures

clean: ## remove .venv and outputs
	rm -rf $(VENV) out
