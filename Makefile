# ossimg: `make demo` runs the main job on the embedded OSS emulator; `make test` runs the tests.
# Both create .venv themselves. Only python3 (>= 3.10) with venv is needed on the machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out/demo
# The rule file demo, try, up, build and deploy use (make up RULES=my-rules.yaml).
RULES ?= rules/example.yaml
# Debian packages with the fonts OSS names for text watermarks (wqy-zenhei, wqy-microhei, droidsansfallback).
FONT_PACKAGES := fonts-wqy-zenhei fonts-wqy-microhei fonts-droid-fallback
FONT_CHECK := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

.DEFAULT_GOAL := help
.PHONY: help venv fonts browser demo try test test-cloud lint compat bench build deploy plan template roles invoke emulator up failures clean
.PHONY: backfill

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "Creating $(VENV) and installing ossimg with its dependencies from PyPI (once; about a minute) …"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)
	@echo "Installed into $(VENV)."

venv: $(STAMP) ## create .venv and install ossimg with its local and dev extras

fonts: ## install the watermark fonts OSS names (Debian packages); never fails: without them Pillow's font is used
	@if [ -f $(FONT_CHECK) ]; then exit 0; fi; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null && echo sudo; } || echo none ); \
	if ! command -v apt-get >/dev/null; then \
	  echo "fonts: no apt-get here, so $(FONT_PACKAGES) are not installed: text watermarks use Pillow's own font"; \
	elif [ "$$SUDO" = none ]; then \
	  echo "fonts: not root and no sudo without a password, so $(FONT_PACKAGES) are not installed: text watermarks use Pillow's own font"; \
	else \
	  echo "fonts: installing $(FONT_PACKAGES) with apt-get (once; about 20 s) …"; \
	  { $$( [ "$$SUDO" = sudo ] && echo sudo ) apt-get update -qq && \
	    $$( [ "$$SUDO" = sudo ] && echo sudo ) apt-get install -y -qq --no-install-recommends $(FONT_PACKAGES) >/dev/null; } \
	  || echo "fonts: apt-get failed, so text watermarks use Pillow's own font"; \
	fi; exit 0

# Debian's Chromium and its driver, for the gallery's browser test (Playwright drives it; it never downloads one).
CHROMIUM := /usr/bin/chromium

browser: ## install Chromium from Debian for the gallery's browser test; never fails: without it that test is skipped
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null && echo sudo; } || echo none ); \
	if ! command -v apt-get >/dev/null || [ "$$SUDO" = none ]; then \
	  echo "browser: cannot install chromium here (needs apt-get and root or sudo): the browser test is skipped"; \
	else \
	  echo "browser: installing chromium and chromium-driver with apt-get (once; about a minute) …"; \
	  { $$( [ "$$SUDO" = sudo ] && echo sudo ) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$( [ "$$SUDO" = sudo ] && echo sudo ) apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; } \
	  || echo "browser: apt-get failed: the browser test is skipped"; \
	fi; exit 0

demo: $(STAMP) fonts ## build on_upload, run it as FC does on events/ against the embedded emulator; gallery in out/demo/index.html
	$(BIN)/ossimg demo --out $(OUT) --rules $(RULES)

try: $(STAMP) fonts ## run the rules on your photos: FILES="a.jpg b.png" (PREFIX=gallery/ to see every operation); gallery in out/try
	@if [ -z "$(FILES)" ]; then echo 'make try: set FILES to your photos, e.g. make try FILES="~/Pictures/a.jpg b.png"'; exit 2; fi
	$(BIN)/ossimg try --rules $(RULES) --out $${TRY_OUT:-out/try} $(if $(PREFIX),--prefix $(PREFIX)) $(FILES)

test: lint fonts browser ## lint, then run the whole test suite (one worker per core, slowest ten printed)
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

bench: $(STAMP) ## print speed and memory figures, each against a baseline measured in the same run (a few minutes)
	$(BIN)/python bench/img_engine.py
	$(BIN)/python bench/rules_match.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/handler.py
	$(BIN)/python bench/up_throughput.py
	$(BIN)/python bench/emulator_put.py
	$(BIN)/python bench/backfill.py

invoke: $(STAMP) ## run the handler once on EVENT=events/<file>.json against a fresh emulator; outputs in out/invoke
	@if [ -z "$(EVENT)" ]; then echo "make invoke: set EVENT to an event file, e.g. make invoke EVENT=events/oss-put.json (see events/)"; exit 2; fi
	$(BIN)/ossimg demo --out $${INVOKE_OUT:-out/invoke} --rules $(RULES) --event $(EVENT)

emulator: $(STAMP) ## serve the OSS emulator in the foreground (DATA=dir PORT=n)
	$(BIN)/ossimg emulator --data $${DATA:-.emulator-data} --port $${PORT:-9000}

compat: $(STAMP) ## run the tests on every FC Python runtime found here (python3.10, python3.12)
	@for v in 3.10 3.12; do \
	  if command -v python$$v >/dev/null; then \
	    python$$v -m venv .venv-$$v && .venv-$$v/bin/python -m pip install --quiet -e '.[dev]' && \
	    .venv-$$v/bin/python -m pytest -q -p no:cacheprovider || exit 1; \
	  else echo "python$$v not found: skipped"; fi; \
	done

REGION ?= cn-hangzhou
# `make deploy KEEP_ORPHANS=1` keeps functions and triggers that template.yml no longer has.
DEPLOY_ARGS = --endpoint $(ENDPOINT) --account-id $(ACCOUNT) --region $(REGION) --role $(ROLE) \
	--invocation-role $(INVOCATION_ROLE) $(if $(KEEP_ORPHANS),--keep-orphans)
DEPLOY_VARIABLES := ENDPOINT ACCOUNT ROLE INVOCATION_ROLE
DEPLOY_MISSING = $(strip $(foreach v,$(DEPLOY_VARIABLES),$(if $($(v)),,$(v))))

build: $(STAMP) ## check template.yml against RULES, then package functions/ for FC's runtime into build/
	$(BIN)/ossimg build --rules $(RULES)

template: $(STAMP) ## print the OSS triggers and role statements RULES need (template.yml's Events and Policies)
	$(BIN)/ossimg template --rules $(RULES)

roles: $(STAMP) ## print the RAM roles to create and the deploying user's policy (ACCOUNT= REGION= USER_NAME=)
	$(BIN)/ossimg roles --rules $(RULES) --account-id $${ACCOUNT:-<account-id>} --region $(REGION) \
	  --user $${USER_NAME:-<deploying RAM user>}

plan: ## list what deploy would change in FC: same variables as deploy
	@if [ -n "$(DEPLOY_MISSING)" ]; then echo "make $@: set $(DEPLOY_MISSING) (ENDPOINT=https://<account>.cn-hangzhou.fc.aliyuncs.com ACCOUNT=<account id> ROLE=acs:ram::<account>:role/<service role> INVOCATION_ROLE=acs:ram::<account>:role/<oss to fc role>)"; exit 2; fi
	@$(MAKE) --no-print-directory build
	$(BIN)/ossimg deploy --plan $(DEPLOY_ARGS)

deploy: ## apply template.yml to FC: ENDPOINT= ACCOUNT= ROLE= INVOCATION_ROLE= (keys in ALIBABA_CLOUD_*)
	@if [ -n "$(DEPLOY_MISSING)" ]; then echo "make $@: set $(DEPLOY_MISSING) (ENDPOINT=https://<account>.cn-hangzhou.fc.aliyuncs.com ACCOUNT=<account id> ROLE=acs:ram::<account>:role/<service role> INVOCATION_ROLE=acs:ram::<account>:role/<oss to fc role>)"; exit 2; fi
	@$(MAKE) --no-print-directory build
	$(BIN)/ossimg deploy $(DEPLOY_ARGS)

up: $(STAMP) fonts ## the local cloud: emulator and live gallery on PORT (9000), on_upload run by INSTANCES (4) on every matching upload
	$(BIN)/ossimg up --port $${PORT:-9000} --data $${DATA:-.emulator-data} --instances $${INSTANCES:-4} --rules $(RULES)

backfill: $(STAMP) ## variants of what is already stored: BUCKET (ossimg-uploads) PREFIX DRY_RUN=1 VIA=fc FC_ENDPOINT=… (local cloud)
	$(BIN)/ossimg backfill --bucket $${BUCKET:-ossimg-uploads} --prefix "$${PREFIX:-}" --rules $(RULES) \
	  --via $${VIA:-local} $${DRY_RUN:+--dry-run} $${FC_ENDPOINT:+--fc-endpoint $$FC_ENDPOINT}

failures: $(STAMP) ## list the events that exhausted FC's retries under make up (ossimg failures redrive sends them back)
	$(BIN)/ossimg failures list --dir $${DATA:-.emulator-data}/failures

clean: ## remove what the targets made here: .venv*, out/, build/, .emulator-data/, caches (not the shared ~/.cache/ossimg)
	rm -rf $(VENV) .venv-3.10 .venv-3.12 out build .emulator-data .pytest_cache .mypy_cache .ruff_cache \
	  .import_linter_cache shared/*.egg-info local/*.egg-info dist
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
	@echo "clean: the dependency cache shared by builds of every clone stays in $${OSSIMG_CACHE_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/ossimg} (remove it by hand if you wish)"
