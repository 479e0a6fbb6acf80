# mpi-tutor: `make demo` runs a lesson in the live view, `make test` runs the
# whole test suite. Both install what is missing first.
#   make test MPI=openmpi   - the same suite against Open MPI
MPI ?= mpich

ifeq ($(MPI),openmpi)
  # Open MPI beside MPICH: its own build directory and its own launcher, so
  # the two builds never mix (see shared notes on mpi-sys).
  export CARGO_TARGET_DIR ?= target-openmpi
  export MPICC ?= mpicc.openmpi
  export MPIEXEC ?= mpiexec.openmpi
  export OMPI_ALLOW_RUN_AS_ROOT = 1
  export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = 1
  export OMPI_MCA_rmaps_base_oversubscribe = 1
endif

.PHONY: setup setup-tests demo test bench lint

setup:
	@scripts/setup.sh $(MPI)

setup-tests:
	@scripts/setup.sh $(MPI) --for-tests

demo: setup
	cargo build --release
	$(or $(CARGO_TARGET_DIR),target)/release/mpi-tutor lesson send-recv

test: setup-tests
	cargo build --all-targets
	cargo test --all-targets -- --test-threads=2

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

bench: setup
	cargo bench
