# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install browser oidc-provider bench-tools test test-fast demo bench clean

# The environment: a virtualenv with access-es (editable) and its test tools.
$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The benches' extra (matplotlib, for the chart) on top of the test tools they share.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) setup.py
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# Debian's Chromium and ChromeDriver for the end-to-end browser test; where they cannot be installed
# (no apt-get, not root) the test is skipped and says why.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  echo "installing chromium and chromium-driver for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
	    >/dev/null) || echo "make: could not install chromium; the browser test will be skipped"; \
	fi

# The tests' OpenID provider (npm oidc-provider, OpenID Certified) under Node, in testbed/oidc; where
# node/npm are missing or cannot install it, the SSO tests are skipped and say why.
oidc-provider:
	@if [ ! -d testbed/oidc/node_modules/oidc-provider ]; then \
	  if command -v npm >/dev/null 2>&1; then \
	    echo "installing the tests' OpenID provider (npm ci in testbed/oidc)"; \
	    (cd testbed/oidc && npm ci --no-audit --no-fund --loglevel=error) \
	      || echo "make: could not install oidc-provider; the SSO tests will be skipped"; \
	  else echo "make: npm is not installed; the SSO tests will be skipped"; fi; \
	fi

test: install browser oidc-provider
	$(PY) -m pytest -q

# The edit-run loop: the pure rules and the in-process tests (no test that starts a process or
# waits out a timeout: tests/conftest.py marks those `slow`), in under a minute.
test-fast: install
	$(PY) -m pytest -q -m "not slow"

demo: install
	$(VENV)/bin/access-es demo

# Debian's nginx (the static upstream and the proxy_pass baseline) and wrk (the load generator).
bench-tools:
	@if ! command -v wrk >/dev/null 2>&1 || ! [ -x /usr/sbin/nginx ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null) \
	    || echo "make: could not install nginx and wrk; the proxy bench will say so"; \
	fi

# Benchmarks: each bench writes its figures to bench/results/, then report.py gathers them into
# bench/results/latest.md (targets met or missed) and latest.png. Every bench runs even if one fails, so
# the report is always written (a failed bench's section is marked as older); make then fails, naming it.
BENCHES := "proxy_bench.py" "cold_start.py" "large_answers.py" "soak.py --minutes 4" "hostile.py"
bench: $(BENCH_STAMP) bench-tools
	@failed=""; \
	for b in $(BENCHES); do \
	  echo "== bench/$$b"; started=$$(date +%s); \
	  $(PY) bench/$$b || failed="$$failed $$b;"; \
	  echo "== bench/$$b: $$(( $$(date +%s) - started )) s"; \
	done; \
	echo "== bench/report.py: bench/results/latest.md and latest.png"; \
	$(PY) bench/report.py >/dev/null || failed="$$failed report.py;"; \
	if [ -n "$$failed" ]; then echo "make bench: failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
