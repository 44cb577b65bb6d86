# Anxin's two commands: `make run` and `make test`. Everything else here is what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
VENV_RASA := .venv-rasa
PY        := $(VENV)/bin/python
PY_RASA   := $(VENV_RASA)/bin/python
# Debian packages: name[:command that proves it is there]
APT_DEPS  := postgresql:pg_ctlcluster chromium:chromium fonts-noto-cjk sox:sox libsndfile1 redis-server:redis-server redis-sentinel:redis-sentinel rabbitmq-server nginx:nginx patroni:patroni etcd-server:etcd haproxy:haproxy

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup sysdeps venvs model db run test test-py test-rasa lint shell bench run-cluster clean

help:
	@echo "make run    - set up what is missing, seed the demo database, train the model, start every service"
	@echo "make test   - set up what is missing and run every test"
	@echo "make shell  - chat in the terminal as a demo customer (needs make run in another terminal)"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make run-cluster - the production profile: 2+ instances of each service behind nginx, Patroni PostgreSQL, Redis Sentinel, RabbitMQ"

sysdeps:
	@scripts/apt-deps.sh $(APT_DEPS)

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python.sh 3.11) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[app,test]'
	@touch $@

$(VENV_RASA)/.installed: pyproject.toml
	@test -x $(PY_RASA) || $$(scripts/find-python.sh 3.10) -m venv $(VENV_RASA)
	$(PY_RASA) -m pip install -q --upgrade 'pip<25'
	$(PY_RASA) -m pip install -q -e '.[rasa]'
	@touch $@

venvs: $(VENV)/.installed $(VENV_RASA)/.installed

setup: sysdeps venvs model

# Trains only when the training data, config or components changed (scripts/train.sh keeps a fingerprint).
model: $(VENV_RASA)/.installed
	@scripts/train.sh

db: $(VENV)/.installed
	$(PY) -m backend.seed

run: setup db
	@scripts/run.sh

shell: $(VENV)/.installed
	$(PY) -m gateway.shell

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

test: setup
	@scripts/test.sh

bench: setup
	@scripts/bench.sh

# The production profile on one machine: PostgreSQL, Redis, nginx and two instances of every service.
run-cluster: setup
	@scripts/run-cluster.sh

clean:
	rm -rf var/*.db var/audio var/pg* assistant/models/*.tar.gz
