# The one entry point: the README and .ci/run call these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo test lint format bench bench-scale

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@echo "Setting up $(VENV) (first run only, about two minutes): every package is listed as it installs."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

# Live exchanges.
run: install
	$(BIN)/python manage.py run_all --host $(HOST) --port $(PORT)

# The built-in exchange simulator instead of live exchanges; every page says so.
demo: install
	$(BIN)/python manage.py run_all --simulate --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Micro-benchmarks (recording's cost and an hour replayed among them), then a short live run
# against run_all --simulate (about 4 minutes in all).
bench: install
	$(BIN)/python manage.py bench
	$(BIN)/python manage.py bench --live ws --clients 100 --duration 10
	$(BIN)/python manage.py bench --live rest --rps 100 --duration 10

# The 12 majors: the 1,000-client figures are also measured with only these watched (README,
# "Measuring at scale": every perpetual and 1,000 clients on the same two cores do not fit).
MAJORS := BTC/USDT:USDT,ETH/USDT:USDT,SOL/USDT:USDT,XRP/USDT:USDT,DOGE/USDT:USDT,BNB/USDT:USDT,ADA/USDT:USDT,LINK/USDT:USDT,BTC/USDC:USDC,ETH/USDC:USDC,BTC/USD:BTC,ETH/USD:ETH

# The live path at scale, single process and scaled out, and the Redis restart drill
# (needs DATABASE_URL=postgres://...); ~15 minutes.
bench-scale: install
	$(BIN)/python manage.py bench --live ws --clients 100,1000 --duration 20
	ARBSITE_INSTRUMENTS=$(MAJORS) $(BIN)/python manage.py bench --live ws --mode scaleout --clients 1000 --duration 20
	$(BIN)/python manage.py bench --live ws --mode scaleout --clients 100,1000 --duration 20
	$(BIN)/python manage.py bench --live ws --mode scaleout --web-workers 2 --clients 5000 --duration 20
	$(BIN)/python manage.py bench --live rest --rps 100,500 --duration 20
	$(BIN)/python manage.py bench --live rest --path /health --rps 500 --duration 20
	$(BIN)/python manage.py drill redis-restart --clients 1000 --outage 10 --after 60
