# Developer commands. `make run` serves the app; `make test` runs every check CI runs.
# Both set up the virtual environment first and are safe to run again.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run collectstatic deploy-check test install install-dev migrate lint format shell superuser demo clean fuzz fuzz-live bench bench-feeds bench-trending bench-ledger bench-live bench-ads

help:  ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# A development checkout runs with DEBUG on, so bare `manage.py` commands work here;
# production sets its variables itself and has no .env (settings read it when present).
.env:
	printf '# Local development only: never deploy with this file.\nDEBUG=1\n' > $@

install: $(VENV)/.installed .env  ## Create .venv and install the runtime dependencies

install-dev: $(VENV)/.installed-dev  ## Also install the test and lint tools

migrate: install  ## Apply migrations to the configured database (SQLite by default)
	DEBUG=$(or $(DEBUG),1) $(BIN)/python manage.py migrate --noinput

collectstatic: install  ## Collect the static files (what the docs and the admin load without DEBUG)
	DEBUG=$(or $(DEBUG),1) $(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: migrate collectstatic  ## Serve on http://127.0.0.1:8000 (API docs at /api/docs/, admin at /admin/)
	DEBUG=$(or $(DEBUG),1) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev  ## Lint, check migrations and the import contract, run the suite on SQLite, then on PostgreSQL
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL=sqlite:///:memory: DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run testapp
	$(BIN)/lint-imports
	BIN=$(BIN) scripts/test-databases

# Production-like: Stripe (the sandbox is refused without DEBUG, core.E001) and static
# files collected into a throwaway folder (core.E002 checks they are there).
DEPLOY_CHECK_ENV := DEBUG=0 HTTPS=1 USE_X_FORWARDED_PROTO=1 ALLOWED_HOSTS=videos.example.com \
	SECRET_KEY=deploy-check-aVeryLongRandomLookingSecretValue-4f9Q2zX7-b8Kp1Lm3Nq5Rs7Tu \
	DATABASE_URL=sqlite:///:memory: PAYMENTS_PROVIDER=stripe \
	STRIPE_SECRET_KEY=sk_test_deploy_check STRIPE_WEBHOOK_SECRET=whsec_deploy_check

deploy-check: install  ## Django's deployment checklist with production-like variables
	@static_root=$$(mktemp -d) && trap 'rm -rf "$$static_root"' EXIT && \
	$(DEPLOY_CHECK_ENV) STATIC_ROOT=$$static_root $(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	$(DEPLOY_CHECK_ENV) STATIC_ROOT=$$static_root $(BIN)/python manage.py check --deploy --fail-level WARNING

lint:  install-dev ## Lint and check formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev  ## Fix lint findings that can be fixed and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

shell: install  ## A Django shell on the configured database
	DEBUG=$(or $(DEBUG),1) $(BIN)/python manage.py shell

superuser: migrate  ## Create an admin account for /admin/
	DEBUG=$(or $(DEBUG),1) $(BIN)/python manage.py createsuperuser

demo: migrate  ## Fill the database with demo data (sign in as demo_admin or demo_user)
	DEBUG=$(or $(DEBUG),1) $(BIN)/python manage.py seed_demo $(DEMO_ARGS)

bench: install  ## Load: each endpoint against its target, on SQLite and PostgreSQL (needs wrk; about 4 min)
	$(BIN)/python bench/load.py --database sqlite --database postgres \
		--postgres-url $(or $(BENCH_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres) $(BENCH_ARGS)

bench-feeds: install  ## Feed latency at 10k and 1M videos, page 1 vs a deep page (slow)
	$(BIN)/python bench/feed_latency.py --database sqlite --database postgres \
		--videos 10000 1000000 --postgres-url $(or $(BENCH_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres)

bench-trending: install  ## seed_demo with 1M videos and 10M activity buckets, then compute_trending (slow)
	$(BIN)/python bench/trending.py --database sqlite --database postgres \
		--postgres-url $(or $(BENCH_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres)

bench-ledger: install-dev  ## Ledger: tips (sequential, 8 threads on one creator), renewals, statements
	$(BIN)/python bench/ledger.py --database sqlite --database postgres \
		--postgres-url $(or $(BENCH_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres)

bench-live: install  ## Live: 1,000 viewers heartbeating, 500 chat pollers, 50 chatters (needs wrk)
	$(BIN)/python bench/live.py --database sqlite --database postgres \
		--postgres-url $(or $(BENCH_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres)

bench-ads: install  ## Ads: the serving decision with 10,000 campaigns, serve/vast/impressions, a budget burst (needs wrk)
	$(BIN)/python bench/ads.py --database sqlite --database postgres \
		--postgres-url $(or $(BENCH_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres)

fuzz: install-dev  ## Fuzz every API operation longer: 100 random examples each, plus boundary values
	DATABASE_URL=sqlite:///:memory: FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),100) $(BIN)/pytest -n 2 -p no:cacheprovider tests/fuzz

fuzz-live: install-dev  ## Fuzz a live server on SQLite and PostgreSQL: every check and phase, 50 examples each (slow)
	$(BIN)/python -m tests.fuzz.live --database sqlite --database postgres --examples $(or $(FUZZ_EXAMPLES),50) \
		--postgres-url $(or $(FUZZ_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/fuzz_live)

clean:  ## Remove the virtual environment, caches and the embedded database
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .grimp_cache .coverage htmlcov db.sqlite3 db.sqlite3-wal db.sqlite3-shm
