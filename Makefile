# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench eval lock clean

$(STAMP): requirements/lock.txt pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	PIP_CONFIG_FILE=/dev/null $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/lock.txt
	PIP_CONFIG_FILE=/dev/null $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/newsbot serve

test: $(STAMP)
	$(VENV)/bin/ruff check bot handlers tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/newsbot eval --fast --check --if-found
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check bot handlers tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

eval: $(STAMP)
	$(VENV)/bin/newsbot eval

bench: $(STAMP)
	$(VENV)/bin/python -m bench.throughput
	$(VENV)/bin/python -m bench.slack_load
	$(VENV)/bin/python -m bench.search

lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -o requirements/lock.txt

clean:
	rm -rf $(VENV)
