# ovn-testbed: `make testbed` brings the seed topology up, `make test` runs the whole suite.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
SCENARIO ?= scenarios/l3-over-vlan.yaml
NAME     ?= l3-over-vlan

.PHONY: testbed test unit down show ls bench lint clean host-deps test-ovn-build test-neutron

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# With no container registry the node image's base is bootstrapped with debootstrap.
# Walks capture from the host: tcpdump runs inside each node's namespace through nsenter.
host-deps:
	@command -v debootstrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null) \
	  || echo "note: debootstrap is missing; it is needed only when debian images cannot be pulled"; }
	@command -v tcpdump >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq tcpdump >/dev/null) \
	  || echo "note: tcpdump is missing on the host; walks need it (apt-get install tcpdump)"; }

testbed: $(BIN)/.installed host-deps
	$(BIN)/testbed up $(SCENARIO) --name $(NAME)

# Two pytest-xdist workers, each bringing its group's testbeds up ahead (tests/conftest.py).
test: $(BIN)/.installed host-deps
	$(BIN)/pytest -n 2

# Own OVN builds on real daemons: a git checkout of OVN with its ovs submodule, made from Debian's
# source packages, compiled from nothing and brought up (minutes of compiling: not part of
# `make test`; .ci/run runs it after). -s prints the timings.
test-ovn-build: $(BIN)/.installed host-deps
	$(BIN)/pytest -s tests/build

# Real Neutron (settings.neutron) on real daemons: the neutron node's image is built once (about
# two minutes of Debian packages: not part of `make test`; .ci/run runs it after).
test-neutron: $(BIN)/.installed host-deps
	$(BIN)/pytest -s tests/neutron

unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit

down: $(BIN)/.installed
	$(BIN)/testbed down $(NAME)

show: $(BIN)/.installed
	$(BIN)/testbed show $(NAME)

ls: $(BIN)/.installed
	$(BIN)/testbed ls

bench: $(BIN)/.installed host-deps
	$(BIN)/python bench/bringup.py
	$(BIN)/python bench/walk.py
	$(BIN)/python bench/failover.py

lint: $(BIN)/.installed
	$(BIN)/ruff check testbed tests bench
	$(BIN)/actionlint .github/workflows/*.yml

clean:
	rm -rf $(VENV) runs .pytest_cache
