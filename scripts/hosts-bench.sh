#!/usr/bin/env bash
# Across hosts: `halo` headless at full speed on 64 ranks spread over 4
# simulated hosts (16 each, scripts/simhosts), typed on a fifth (the
# teacher's), against the same 64 ranks all on one simulated host, the two
# taking turns; prints each run's wall time (the whole `mpi-tutor lesson`,
# start-up included), the medians and the verdicts. BENCHMARKS.md has the
# figures.
#
#   MPIEXEC=mpiexec.openmpi MPICC=mpicc.openmpi CARGO_TARGET_DIR=target-openmpi \
#       scripts/hosts-bench.sh
#
# Environment: MPIEXEC (Open MPI: Debian's MPICH 4.0.2 hangs in
# MPI_Finalize across hosts), CARGO_TARGET_DIR, MPI_TUTOR_HOSTS_RUNS (runs
# per layout; default 3), MPI_TUTOR_HOSTS_RANKS (default 64, split over 4
# hosts), MPI_TUTOR_HOSTS_LIMIT (seconds before a run is ended as hung;
# default 300), MPI_TUTOR_BIN (a built mpi-tutor to use instead of building
# the release one). Exits 1, with the run's output, if a run fails or
# hangs; 77 where hosts cannot be simulated.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${MPI_TUTOR_HOSTS_RUNS:-3}
ranks=${MPI_TUTOR_HOSTS_RANKS:-64}
limit=${MPI_TUTOR_HOSTS_LIMIT:-300}
die() { echo "hosts-bench: $*" >&2; exit 1; }

# One run of layout $1 (`spread` or `one`): prints its wall time in seconds.
run_once() {
    local per=$((ranks / 4)) hosts
    if [ "$1" = spread ]; then
        hosts="h1:$per,h2:$per,h3:$per,h4:$((ranks - 3 * per))"
    else
        hosts="h1:$ranks"
    fi
    local log start end
    log=$(mktemp)
    start=$(date +%s.%N)
    if ! timeout -k 5 "$limit" "$tutor" lesson halo --headless --fast -n "$ranks" \
        --hosts "$hosts" >"$log" 2>&1; then
        cat "$log" >&2
        die "halo on $hosts failed or hung (limit ${limit} s)"
    fi
    end=$(date +%s.%N)
    grep -q "checks: $ranks passed, 0 failed" "$log" || { cat "$log" >&2; die "halo's checks on $hosts did not all pass"; }
    grep -q "none lost" "$log" || { cat "$log" >&2; die "events were lost on $hosts"; }
    rm -f "$log"
    echo "$end - $start" | bc -l
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
}

# On the teacher's host, inside the simulated hosts.
inside() {
    local spread=() one=() k t
    echo "halo, $ranks ranks, headless --fast; $runs runs a layout, taking turns"
    echo "$("$MPIEXEC" --version 2>&1 | head -1)"
    for ((k = 1; k <= runs; k++)); do
        t=$(run_once spread)
        spread+=("$t")
        echo "run $k: 4 hosts x $((ranks / 4)): $(printf %.2f "$t") s"
        t=$(run_once one)
        one+=("$t")
        echo "run $k: 1 host x $ranks:  $(printf %.2f "$t") s"
    done
    echo "median: 4 hosts $(printf '%s\n' "${spread[@]}" | median) s," \
        "1 host $(printf '%s\n' "${one[@]}" | median) s (every run: $ranks checks passed, none lost)"
}

if [ "${1:-}" = --inside ]; then
    tutor=$MPI_TUTOR_BIN
    inside
    exit 0
fi

export MPIEXEC=${MPIEXEC:-mpiexec}
command -v "$MPIEXEC" >/dev/null || die "$MPIEXEC is not installed (scripts/setup.sh)"
command -v bc >/dev/null || die "bc is not installed"
cd "$root"
if [ -z "${MPI_TUTOR_BIN:-}" ]; then
    cargo build --release --quiet
    MPI_TUTOR_BIN=$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)/mpi-tutor
fi
export MPI_TUTOR_BIN
exec scripts/simhosts --hosts 5 -- "$root/scripts/hosts-bench.sh" --inside
