# The README's two commands: `make run` and `make test`. Both build .venv from
# the committed uv.lock when it is missing or stale; nothing else is needed
# but python3.10, make and access to the package registry.

UV_VERSION := 0.13.9
# python3.10 on PATH, else a pyenv-installed 3.10 (pyenv shims fail when 3.10
# is installed but not selected).
PYTHON310 ?= $(shell for p in python3.10 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced-from-lock
PYTEST_ARGS ?=
# pytest-xdist workers: one a core. A test file stays on one worker, so its
# module fixtures run once; a worker runs the shared session runs at most once.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile
RUN_ARGS ?=
SERVE_ARGS ?=
BENCH_ARGS ?=
SERVING_BENCH_ARGS ?=

export UV_PYTHON := $(PYTHON310)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run serve test test-quick lint format bench bench-serving venv lock clean help chromium postgresql engines

help:
	@echo "make run         run the pipeline on the bundled data (outputs in runs/)"
	@echo "make serve       serve the pushed model on localhost:8501 (TF Serving's REST API)"
	@echo "make test        the whole test suite, end-to-end runs included"
	@echo "make test-quick  unit tests only (pytest -m 'not slow')"
	@echo "make lint        ruff: lint and format check (part of test and test-quick)"
	@echo "make format      ruff: fix what can be fixed and format"
	@echo "make bench       this pipeline vs TFX's taxi example, side by side, then bench-serving (bench/README.md)"
	@echo "make bench-serving  about a minute of load on the model server"
	@echo "make engines     the Spark and Flink job servers' jars (Maven), for run --runner spark|flink"
	@echo "make lock        re-resolve uv.lock after editing pyproject.toml"

run: $(STAMP)
	$(VENV)/bin/python -m pipeline run $(RUN_ARGS)

serve: $(STAMP)
	$(VENV)/bin/python -m pipeline serve $(SERVE_ARGS)

# Hours at full size (15k to 5M rows); BENCH_ARGS=--quick for a smoke run.
bench: $(STAMP)
	$(VENV)/bin/python -m bench $(BENCH_ARGS)
	$(MAKE) bench-serving

# About a minute of load on the model server, after `make run` (mostly cached).
bench-serving: run
	$(VENV)/bin/python -m bench.serving $(SERVING_BENCH_ARGS)

test: lint chromium postgresql engines
	$(VENV)/bin/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-quick: lint chromium postgresql
	$(VENV)/bin/python -m pytest $(PYTEST_PARALLEL) -m "not slow" $(PYTEST_ARGS)

# Configured in pyproject.toml ([tool.ruff]); zero findings is the bar.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The Spark and Flink job servers (Java 17): each one's classpath, resolved by
# Maven from its pinned POM in pipeline/runners/jvm/ into ~/.m2, checksums
# checked against Maven Central (-C), written to .cache/jvm/ (git-ignored).
JVM_POMS := pipeline/runners/jvm
JVM_CACHE := .cache/jvm
ENGINES := spark flink

engines: $(foreach e,$(ENGINES),$(JVM_CACHE)/$(e).classpath)

$(JVM_CACHE)/%.classpath: $(JVM_POMS)/%.pom.xml
	@command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 || { \
	  echo "error: the Spark and Flink engines need Java 17 and Maven: apt-get install openjdk-17-jdk-headless maven" >&2; exit 2; }
	@mkdir -p $(JVM_CACHE)
	mvn -q -B -C -f $< dependency:build-classpath -Dmdep.outputFile=$(abspath $@).tmp
	@mv $@.tmp $@

# The report tests open the report in headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "error: the report tests need Chromium: sudo apt-get install chromium" >&2; exit 2; \
	  fi; }

# The database tests start their own PostgreSQL server (Debian's package;
# initdb and pg_ctl in a temporary directory, on a free port).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "error: the database tests need PostgreSQL: sudo apt-get install postgresql" >&2; exit 2; \
	  fi; }

venv: $(STAMP)

$(UV):
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found (TFX 1.16 needs Python 3.10); install it or pass PYTHON310=/path/to/python3.10" >&2; exit 2; }
	$(PYTHON310) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): uv.lock pyproject.toml | $(UV)
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found" >&2; exit 2; }
	$(UV) sync --frozen --compile-bytecode
	@touch $@

lock: | $(UV)
	$(UV) lock

clean:
	rm -rf $(VENV) $(TOOLS) runs
