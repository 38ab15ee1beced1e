# The two commands: `make run` and `make test`. Both create .venv from the lock file first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test eval eval-benchmark bench clean-warehouse

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/newsfacts run

test: $(INSTALLED)
	$(BIN)/pytest -q

eval: $(INSTALLED)
	$(BIN)/newsfacts eval --raw data/raw --gold ../shared/gold/seeds.yaml

BENCHMARK := ../shared/benchmarks/article-extraction
# All 181 benchmark pages as <key>.html (gold/benchmark-news.yaml's header says how to score it).
eval-benchmark: $(INSTALLED)
	mkdir -p build/benchmark-html
	for page in $(BENCHMARK)/html/*.html.gz; do gunzip -c $$page > build/benchmark-html/$$(basename $$page .gz); done
	$(BIN)/newsfacts eval --raw build/benchmark-html --gold ../shared/gold/benchmark-news.yaml

bench: $(INSTALLED)
	$(BIN)/newsfacts bench boilerplate --data ../shared/benchmarks/article-extraction
	$(BIN)/newsfacts bench quotes --raw data/raw --gold ../shared/gold/seeds.yaml
	$(BIN)/newsfacts bench extract --raw data/raw
	$(BIN)/newsfacts bench scale --docs 200 --workers 2 --data ../shared/benchmarks/article-extraction

clean-warehouse:
	find data/warehouse -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
