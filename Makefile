# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run chat test lint check bench site screenshots wordlists clean

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

# Static web pages of every answer, in dist/ (`python -m bot site --help` for a clinic's site).
site: $(INSTALLED)
	$(BIN)/python -m bot site --out dist

# The README's screenshots of the site, taken by the browser test in headless Chromium.
screenshots: $(INSTALLED)
	MYTHBOT_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_site_browser.py -k screenshots
# Rebuild the word frequencies the matcher ships (bot/matching/data/common_*.txt) from wordfreq.
wordlists: $(INSTALLED)
	$(BIN)/python -m pip install --quiet 'wordfreq>=3.1'
	$(BIN)/python scripts/common_words.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
