# Leadbook: two commands.
#   make run   — install what is missing, build, open the app
#   make test  — install what is missing, build, run every test (Rust, UI, package, end-to-end)
#   make package — the installable Debian package (release build)
# Works on a fresh Debian 12 / Ubuntu 24.04 as root or with sudo.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
NODE_MIN := 20.19.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(HOME)/.cargo/bin:$(PATH)

# What Tauri needs to build and run on Linux.
APT_BUILD := build-essential pkg-config curl file libwebkit2gtk-4.1-dev libssl-dev \
             libayatana-appindicator3-dev librsvg2-dev libxdo-dev
# What the tests need besides: the WebKit WebDriver, a virtual display, the sqlite3 shell
# (benchmark baseline) and the screenshot tools; a real IMAP server (Dovecot) and Python's venv
# for the real SMTP server (aiosmtpd, from PyPI into .venv-test) the email tests run.
APT_TEST := webkit2gtk-driver xvfb xauth sqlite3 x11-apps imagemagick dbus-x11 dovecot-imapd python3-venv
# The SMTP server of the email tests (tests/servers/src/mail.rs finds it in .venv-test).
AIOSMTPD_VERSION := 1.4.6
VENV_TEST := .venv-test

APP := target/debug/leadbook
# Where cargo puts what it builds: ./target, or the CARGO_TARGET_DIR you set.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# The Debian package (SPEC §15), made by Tauri's bundler (the UI's devDependency @tauri-apps/cli).
TAURI := ui/node_modules/.bin/tauri
VERSION := $(shell sed -n 's/^  "version": "\([^"]*\)".*/\1/p' tauri.conf.json)
DEB := Leadbook_$(VERSION)_amd64.deb
TAURI_DRIVER_VERSION := 2.1.0

.PHONY: help run test package test-package setup setup-test apt-build apt-test node ui-deps ui e2e-deps tauri-driver build \
        test-rust test-ui test-e2e bench bench-1m bench-app clean venv-test

help:
	@echo "make run    build and open Leadbook"
	@echo "make test   run every test (Rust, UI, package, end-to-end under Xvfb)"
	@echo "make package  build the Debian package (release): $(TARGET_DIR)/release/bundle/deb/$(DEB)"
	@echo "make bench  run the core benchmarks of SPEC §10 (release build)"
	@echo "make bench-1m   the curve of SPEC §10 round 2 up to 1 000 000 leads (release build)"
	@echo "make bench-app  the window's figures: start, search keystroke, memory (release build, Xvfb)"

run: setup build
	./$(APP)

test: setup setup-test ui test-rust test-package test-ui test-e2e

# The release package. The UI is built by `ui` first (tauri.conf.json has no beforeBuildCommand).
package: setup ui
	$(TAURI) build --bundles deb
	@echo "==> $(TARGET_DIR)/release/bundle/deb/$(DEB)"

# The same package made by the same bundler from the debug binary test-rust has just built
# (`tauri bundle` packs it, nothing is compiled; a release build of the app would add ten minutes
# to make test: docs/DECISIONS.md), then unpacked into a scratch root and its command line run
# (tests/package.sh). dpkg-deb is in dpkg; `file` is in APT_BUILD.
test-package: setup ui
	@test -x $(TARGET_DIR)/debug/leadbook || $(CARGO) build --bin leadbook
	$(TAURI) bundle --debug --bundles deb
	tests/package.sh $(TARGET_DIR)/debug/bundle/deb/$(DEB) $(VERSION)

setup: apt-build node ui-deps
setup-test: apt-test venv-test e2e-deps tauri-driver

# Installs only the packages that are missing, so a ready machine skips apt entirely.
define apt_install
	missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "==> installing system packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

apt-build:
	@$(call apt_install,$(APT_BUILD))

apt-test:
	@$(call apt_install,$(APT_TEST))

# The system's python3 (Debian's, with the venv module apt-test installs), not a user's pyenv.
venv-test: apt-test
	@if ! $(VENV_TEST)/bin/python -c 'import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != "$(AIOSMTPD_VERSION)")' 2>/dev/null; then \
	  echo "==> python venv $(VENV_TEST) with aiosmtpd $(AIOSMTPD_VERSION)"; \
	  rm -rf $(VENV_TEST) && /usr/bin/python3 -m venv $(VENV_TEST) && \
	  $(VENV_TEST)/bin/pip install -q --disable-pip-version-check "aiosmtpd==$(AIOSMTPD_VERSION)"; fi

node:
	@command -v node >/dev/null || { echo "Node.js >= $(NODE_MIN) is required (none found). Install Node 20.19+ or 22.12+ and run make again." >&2; exit 1; }
	@v=$$(node -p 'process.versions.node'); \
	if [ "$$(printf '%s\n%s\n' "$(NODE_MIN)" "$$v" | sort -V | head -n1)" != "$(NODE_MIN)" ]; then \
	  echo "Node.js $$v is too old: Vite 8 needs Node >= $(NODE_MIN). Install a newer Node and run make again." >&2; exit 1; \
	fi

ui-deps: node
	@if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then \
	  echo "==> npm ci (ui)"; cd ui && npm ci --no-audit --no-fund --loglevel=error; fi

e2e-deps: node
	@if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then \
	  echo "==> npm ci (tests/e2e)"; cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error; fi

tauri-driver:
	@command -v tauri-driver >/dev/null || { echo "==> cargo install tauri-driver"; $(CARGO) install tauri-driver --locked --version $(TAURI_DRIVER_VERSION); }

ui: ui-deps
	cd ui && npm run build

build: ui
	$(CARGO) build --bin leadbook

# Also builds target/debug/leadbook (the CLI tests run it), which the end-to-end tests then drive:
# one build of the app per run.
test-rust: ui venv-test
	$(CARGO) test --workspace
	# The simulated year of compliance evidence (SPEC §14): a release-mode test of its own.
	$(CARGO) test --release -p leadbook-core --test year -- --nocapture

test-ui: ui-deps
	cd ui && npm run check && npm test

test-e2e: e2e-deps tauri-driver apt-test
	@test -x $(APP) || $(CARGO) build --bin leadbook
	@test -x target/debug/leadbook-test-servers || $(CARGO) build -p leadbook-test-servers
	cd tests/e2e && LEADBOOK_BIN="$(CURDIR)/$(APP)" xvfb-run -a --server-args="-screen 0 1366x900x24" npm test

bench: setup
	@$(call apt_install,sqlite3)
	$(CARGO) run --release -p leadbook-core --bin leadbook-bench
	# The curve (SPEC §10 round 2): every figure at 10 000 and 100 000 leads.
	$(CARGO) run --release -p leadbook-core --bin leadbook-bench -- --sizes 10000,100000
	$(CARGO) bench -p leadbook-core --bench drain
	$(MAKE) venv-test
	$(CARGO) bench -p leadbook-core --bench email

# The curve up to 1 000 000 leads (~10 minutes more on the 2-core machine; ~2 GB of /tmp).
bench-1m: setup
	@$(call apt_install,sqlite3)
	$(CARGO) run --release -p leadbook-core --bin leadbook-bench -- --sizes 10000,100000,1000000

# The window's own figures on the synthetic 100 000-lead book, under Xvfb.
bench-app: setup apt-test
	$(CARGO) build --release --bin leadbook
	$(CARGO) build --release -p leadbook-core --bin leadbook-bench
	test -f /tmp/leadbook-book100k.db || ./target/release/leadbook-bench --leads 100000 --only add --keep /tmp/leadbook-book100k.db
	tests/bench-app.sh /tmp/leadbook-book100k.db

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules tests/e2e/node_modules
