#!/usr/bin/env bash
# The instructions `mpi-tutor watch` spends in a C stencil's step (its two
# MPI_Irecv, two MPI_Isend and one MPI_Waitall), counted by valgrind's
# callgrind on each rank's main thread: collection on inside the
# interposer's MPI_Isend, MPI_Irecv and MPI_Waitall, off inside MPI's own
# PMPI_Isend and PMPI_Irecv, the waitall's waiting loop and the checks for
# rank 0's commands (which a valgrind run, ~50 times slower, makes far more
# often than a real one). A run of 3000 steps less one of 1000, over 2000:
# what one more step costs, start and end left out. Unlike a wall time it
# is the same from run to run, so it shows changes too small for
# scripts/watch-bench.sh to tell from the noise. BENCHMARKS.md has the
# figures.
#
#   scripts/watch-instructions.sh
#   scripts/watch-instructions.sh /tmp/old/target/release/mpi-tutor   # another build
#
# The ranks are started by mpi-tutor itself, as `watch -n 2 --headless
# --fast -- ./stencil 256 STEPS`, through an mpiexec that puts valgrind
# before the program (the interposer and its settings as watch gives them).
# Needs valgrind (apt-get install valgrind). MPICC, MPIEXEC as for
# scripts/watch-bench.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mpicc=${MPICC:-mpicc}
mpiexec=$(command -v "${MPIEXEC:-mpiexec}") || { echo "watch-instructions: no mpiexec" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "watch-instructions: valgrind is not installed" >&2; exit 1; }

cd "$root"
tutor=${1:+$(cd "$(dirname "$1")" && pwd)/$(basename "$1")}
if [ -z "$tutor" ]; then
    cargo build --release --quiet
    tutor=$root/${CARGO_TARGET_DIR:-target}/release/mpi-tutor
fi
[ -x "$tutor" ] || { echo "watch-instructions: $tutor is not a program" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mpicc" -O2 -g -o "$work/stencil" benches/programs/stencil.c

# The mpiexec watch starts: the real one, with valgrind before the program.
cat >"$work/mpiexec" <<EOF
#!/usr/bin/env bash
args=()
for arg in "\$@"; do
    if [ "\$arg" = ./stencil ]; then
        args+=(valgrind --tool=callgrind --separate-threads=yes
            --callgrind-out-file="\$CALLGRIND_OUT.%p"
            --toggle-collect=MPI_Isend --toggle-collect=MPI_Irecv
            --toggle-collect=MPI_Waitall --toggle-collect=PMPI_Isend
            --toggle-collect=PMPI_Irecv --toggle-collect='*politely*'
            --toggle-collect='*poll_control*')
    fi
    args+=("\$arg")
done
exec "$mpiexec" "\${args[@]}"
EOF
chmod +x "$work/mpiexec"

# The instructions collected on each rank's main thread in a run of STEPS
# steps, one line per rank.
collected() {
    local steps=$1
    (cd "$work" && CALLGRIND_OUT="$work/run-$steps" MPIEXEC="$work/mpiexec" \
        "$tutor" watch -n 2 --headless --fast -- ./stencil 256 "$steps" >"$work/log-$steps" 2>&1) \
        || { cat "$work/log-$steps" >&2; echo "watch-instructions: the run failed" >&2; exit 1; }
    # The main thread's file of each rank (run-STEPS.PID-01), by pid: the
    # ranks' come first (a process forked from rank 0 later has a file of
    # its own). Sorted by name, not path: the work directory's has a dot.
    for file in $(cd "$work" && ls run-"$steps".*-01 | sort -t. -k2,2n | head -2); do
        # The three hooks' inclusive counts, not the file's total: in some
        # builds the toggles' flips leave collection on after the loop, and
        # the end's wait for rank 0's word, whose length varies from run
        # to run, would be counted with the steps.
        callgrind_annotate --inclusive=yes --threshold=100 "$work/$file" \
            | awk '/ \?\?\?:MPI_(Isend|Irecv|Waitall) \[/ { gsub(",", "", $1); sum += $1 }
                   END { print sum }'
    done
}

collected 1000 >"$work/short"
collected 3000 >"$work/long"
paste "$work/short" "$work/long" | awk '{
    printf "rank %d: %.0f instructions a step in the interposer\n", NR - 1, ($2 - $1) / 2000 }'
