# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run chat test lint check bench wordlists clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The Telegram bot when TELEGRAM_BOT_TOKEN is set; otherwise it explains how to get a token
# and opens the terminal chat.
run: $(INSTALLED)
	$(BIN)/python -m bot run

chat: $(INSTALLED)
	$(BIN)/python -m bot chat

lint: $(INSTALLED)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/mypy

check: $(INSTALLED)
	$(BIN)/python -m bot check

test: lint check
	$(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks

# Rebuild the word frequencies the matcher ships (bot/matching/data/common_*.txt) from wordfreq.
wordlists: $(INSTALLED)
	$(BIN)/python -m pip install --quiet 'wordfreq>=3.1'
	$(BIN)/python scripts/common_words.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
