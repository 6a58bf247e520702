# The two commands that matter: `make run` (local stack with sample data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-browser bench lint typecheck check package replay-dlq migrate-facts migrate-policy-matches recount-registered clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m scripts.local_stack

# the whole suite (what .ci/run runs): unit, moto, infra, the local stack end to end and the browser
test: $(STAMP)
	$(PY) -m pytest --durations=25

# the unit and moto layers only (no local stack, no browser): the loop while editing, under 2 minutes
# on two cores (pytest-xdist: one worker a core, a test file stays on one worker for its module fixtures)
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit tests/aws -m "not slow and not browser" -n 2 --dist loadfile --durations=25

# the web console in headless Chromium (also part of `make test`); screenshots in test-output/console/
test-browser: $(STAMP)
	$(PY) -m pytest -m browser

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) -m bench.$$(basename $$f .py) || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test

STAGE ?= dev
package: $(STAMP)
	$(PY) -m scripts.package --stage $(STAGE)

replay-dlq: $(STAMP)
	@test -n "$(QUEUE)" || { echo "usage: make replay-dlq QUEUE=uploads|rescore|jobs STAGE=dev [MAX=n]"; exit 2; }
	$(PY) -m scripts.replay_dlq --queue $(QUEUE) --stage $(STAGE) $(if $(MAX),--max $(MAX))

migrate-facts: $(STAMP)
	FACTS_TABLE=innovation-points-$(STAGE)-facts MODELS_TABLE=innovation-points-$(STAGE)-models \
	  $(PY) -m scripts.migrate_facts

migrate-policy-matches: $(STAMP)
	POLICY_MATCHES_TABLE=innovation-points-$(STAGE)-policy-matches $(PY) -m scripts.migrate_policy_matches

recount-registered: $(STAMP)
	FACTS_TABLE=innovation-points-$(STAGE)-facts REPORTS_TABLE=innovation-points-$(STAGE)-reports \
	  $(PY) -m scripts.recount_registered $(if $(DRY_RUN),--dry-run)

clean:
	rm -rf $(VENV) .local test-output .pytest_cache .mypy_cache .ruff_cache .hypothesis
