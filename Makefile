# quiver — the two commands users need are `make serve` and `make test`; the rest are their parts.
#
#   make deps    install what is missing: Debian -dev packages (apt-get) and the Node test clients (npm ci)
#   make build   configure and build into build/ (the server is build/quiver)
#   make test    unit + integration tests, then the same under ASan/UBSan, then short fuzz runs
#   make serve   build and start the server with its data in ./quiver-data
#   make bench   benchmarks against peers (Kuzu, igraph); see bench/RESULTS.md
#   make tck     the openCypher TCK against the embedded engine (tests/tck/README.md)

SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
JOBS ?= $(shell nproc)
DATA_DIR ?= ./quiver-data
SERVE_ARGS ?=

APT_PACKAGES := build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev \
                libnghttp2-dev liblz4-dev libzstd-dev libcmocka-dev zlib1g-dev \
                libedit-dev libssl-dev openssl tzdata

.PHONY: deps build build-asan build-fuzz test test-unit test-asan test-fuzz serve bench tck clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  echo "deps: npm ci"; npm ci --no-audit --no-fund --loglevel=error; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DQV_SANITIZE=ON

build-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j $(JOBS)

$(FUZZ_BUILD)/build.ninja:
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
	  -DQV_FUZZ=ON -DQV_FUZZ_SECONDS=$(FUZZ_SECONDS)

build-fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake -S . -B $(FUZZ_BUILD) -DQV_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	ninja -C $(FUZZ_BUILD) -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

test-fuzz: build-fuzz
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS)

test: test-unit test-asan test-fuzz
	@echo "make test: all suites passed"

serve: build
	mkdir -p $(DATA_DIR)
	exec ./$(BUILD)/quiver serve --data-dir $(DATA_DIR) $(SERVE_ARGS)

bench: build
	bash bench/run.sh
	@if [ "$${BENCH_CYPHER:-1}" != 0 ]; then bash bench/cypher.sh; fi
	@if [ "$${BENCH_DURABILITY:-1}" != 0 ]; then bash bench/durability.sh; fi
	@if [ "$${BENCH_HTTP:-1}" != 0 ]; then BUILD=$(BUILD) bash bench/http.sh; fi
	@if [ "$${BENCH_CHECKPOINT:-1}" != 0 ]; then BUILD=$(BUILD) bash bench/checkpoint.sh; fi
	@if [ "$${BENCH_DURABLE_IMPORT:-1}" != 0 ]; then BUILD=$(BUILD) bash bench/durable_import.sh; fi

tck: build
	./$(BUILD)/tck_runner --areas

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
