# The README's commands. Each target installs what it needs first, so each works alone on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL  := models/default
DATA_DIR ?= ../shared/data
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install demo model test test-fast bench bench-speed bench-recipes bench-companies clean

install: $(STAMP)

# torch first, pinned to the CPU wheel: a bare torch requirement would pull a CUDA build of several GB.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

$(MODEL)/stance.json: | $(STAMP)
	$(BIN)/stance train --default --out $(MODEL)
	$(BIN)/stance export $(MODEL)

model: $(STAMP)
	$(BIN)/stance train --default --out $(MODEL)
	$(BIN)/stance export $(MODEL)

demo: $(STAMP) $(MODEL)/stance.json
	$(BIN)/stance classify stance/examples/facial_recognition.txt --model $(MODEL)

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m benchmarks.accuracy --data-dir $(DATA_DIR)

bench-speed: $(STAMP) $(MODEL)/stance.json
	$(BIN)/python -m benchmarks.speed --model $(MODEL)

bench-recipes: $(STAMP)
	$(BIN)/python -m benchmarks.recipes --data-dir $(DATA_DIR)

bench-companies: $(STAMP)
	$(BIN)/python -m benchmarks.companies

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
