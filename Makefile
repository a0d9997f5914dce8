# Every target honours the variables of docs/ARCHITECTURE.md (DATABASE_URL, ports, AUTH_*, ...).
# With no DATABASE_URL an embedded PostgreSQL (pgserver) runs with its data under .data/.
SHELL := /bin/bash
# uv from PATH, else as a module of the machine's Python (installed on first use by `bootstrap`).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST_WORKERS ?= auto

.PHONY: bootstrap sync run run-customer-api run-rating-engine run-alerting migrate test fuzz lint format bench

# uv on a bare machine (.ci/run uses this too): a user install with the machine's pip; where the
# distribution's Python refuses that (PEP 668: Debian, Ubuntu), the same install with consent.
# The first attempt's refusal is expected there, so only the second attempt's errors show.
bootstrap:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv 2>/dev/null \
		|| python3 -m pip install --quiet --user --break-system-packages uv

sync: bootstrap
	@$(UV) sync --all-packages --frozen --quiet

run: sync
	$(UV) run --frozen python scripts/run.py all

run-customer-api: sync
	$(UV) run --frozen python scripts/run.py customer-api

run-rating-engine: sync
	$(UV) run --frozen python scripts/run.py rating-engine

run-alerting: sync
	$(UV) run --frozen python scripts/run.py alerting

migrate: sync
	$(UV) run --frozen python scripts/run.py migrate

test: sync
	$(UV) run --frozen pytest -n $(PYTEST_WORKERS) --dist loadgroup

# Only the Schemathesis run against the three services (`make test` runs it too).
fuzz: sync
	$(UV) run --frozen pytest tests/test_fuzz.py -v

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy shared/src services/customer-api/src services/rating-engine/src services/alerting/src
	$(UV) run --frozen lint-imports

format: sync
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: sync
	$(UV) run --frozen python bench/run.py
