# Just City — the two commands: `make run` and `make test`.
PYENV_PY := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.13.0/bin/python
PYTHON_BOOT ?= $(shell test -x $(PYENV_PY) && echo $(PYENV_PY) || command -v python3.13 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint typecheck pytest migrate demo messages clean

$(VENV)/.created:
	$(PYTHON_BOOT) -c 'import sys; assert sys.version_info >= (3, 13), f"Python 3.13 needed, got {sys.version}"'
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv
	touch $@

$(VENV)/.installed: $(VENV)/.created requirements/base.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.created requirements/dev.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements/dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: $(VENV)/.installed
	$(PY) manage.py compile_translations -v 0

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo

run: messages demo
	@echo ""
	@echo "  Just City is starting on http://$(HOST):$(PORT)/"
	@echo "    demo process:  http://$(HOST):$(PORT)/processes/riverbend-2027/"
	@echo "    staff pages:   http://$(HOST):$(PORT)/staff/   admin: http://$(HOST):$(PORT)/admin/"
	@echo "    staff logins (one per role; set up a TOTP authenticator at /staff/mfa/):"
	@$(PY) manage.py demo_logins
	@echo "    health:        http://$(HOST):$(PORT)/healthz"
	@echo ""
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) justcity.asgi:application

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy maps core participation budgets sms equity accounts frontend staff demo justcity

# Browser tests run in their own pytest call: Playwright's sync API keeps an event loop
# for the session, which breaks async tests collected after it (GOTCHAS.md).
# axe-core (accessibility checks injected by the browser tests), pinned in package-lock.json.
# Without npm (a bare laptop) the browser tests skip with that reason; CI installs npm.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: browser accessibility tests will be skipped"; fi

pytest: $(VENV)/.installed-dev messages node_modules/axe-core/axe.min.js
	$(PY) -m pytest -m "not browser"
	$(PY) -m pytest -m browser

test: lint typecheck pytest

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .mypy_cache .pytest_cache .ruff_cache node_modules test-artifacts
