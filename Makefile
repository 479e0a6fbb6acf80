# mpi-tutor: `make demo` runs a lesson in the live view, `make test` checks
# the formatting and the lints (`make lint`), runs the whole test suite
# against MPICH and then Open MPI, then each fuzz target for 30 s. Both
# install what is missing first.
#   make test-mpi MPI=openmpi   - the suite against one MPI only
#   make bench                  - the benchmarks (BENCHMARKS.md); make scale: 32/64 ranks only
#   make bench-hosts            - halo on 64 ranks over 4 simulated hosts (Open MPI)
#   make fuzz FUZZ_SECONDS=3600 - each fuzz target for longer (default 10 min)
MPI ?= mpich
FUZZ_SECONDS ?= 600

# `make test` runs every test: the export test never skips here for want of
# Node.js (setup installs it), whatever the caller's environment says.
unexport MPI_TUTOR_SKIP_CHROME_CONSUMER

ifeq ($(MPI),openmpi)
  # Open MPI beside MPICH: its own build directory and its own launcher, so
  # the two builds never mix (mpi-sys is compiled against the MPI that
  # MPICC names; a build for one MPI cannot run under the other's mpiexec).
  export CARGO_TARGET_DIR ?= target-openmpi
  export MPICC ?= mpicc.openmpi
  export MPIEXEC ?= mpiexec.openmpi
  export OMPI_ALLOW_RUN_AS_ROOT = 1
  export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = 1
  export OMPI_MCA_rmaps_base_oversubscribe = 1
  # What README recommends for Open MPI: mpi-tutor explains failures itself.
  export OMPI_MCA_orte_execute_quiet = 1
endif

.PHONY: setup demo test test-mpi fuzz bench scale lint bench-hosts hosts-bench

setup:
	@scripts/setup.sh $(MPI)

demo: setup
	cargo build --release
	$(or $(CARGO_TARGET_DIR),target)/release/mpi-tutor lesson send-recv

test:
	@scripts/setup.sh all --for-tests
	$(MAKE) --no-print-directory lint MPI=mpich
	$(MAKE) --no-print-directory test-mpi MPI=mpich
	$(MAKE) --no-print-directory test-mpi MPI=openmpi
	scripts/fuzz.sh 30

test-mpi:
	@scripts/setup.sh $(MPI) --for-tests
ifeq ($(MPI),openmpi)
	@echo "== lints against openmpi (the hooks built without the large-count calls)"
	cargo clippy --all-targets -- -D warnings
endif
	@echo "== the test suite against $(MPI)"
	cargo build --all-targets
	cargo test --all-targets -- --test-threads=2

fuzz:
	@scripts/setup.sh $(MPI) --for-tests
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Formatting and every lint (Cargo.toml [lints], clippy.toml), warnings as
# errors, against MPICH; test-mpi lints again against Open MPI, whose hooks
# are built without the large-count calls (hooks/build.rs, cfg(large_count)).
lint:
	@cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1 \
		|| rustup component add rustfmt clippy
	@echo "== formatting and lints"
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

# Every bench: ping-pong, rank 0's frame time, and scale (ring and halo
# headless at 32 and 64 ranks, also alone: `make scale`), then what
# `watch` costs C programs (scripts/watch-bench.sh).
bench: setup
	cargo bench
	scripts/watch-bench.sh

scale: setup
	scripts/scale.sh

# 64 ranks of halo on 4 simulated hosts against 64 on one
# (scripts/hosts-bench.sh), under Open MPI: Debian's MPICH 4.0.2 hangs in
# MPI_Finalize across hosts.
bench-hosts:
	@$(MAKE) --no-print-directory hosts-bench MPI=openmpi

hosts-bench: setup
	scripts/hosts-bench.sh
