#!/usr/bin/env bash
# What `mpi-tutor watch` costs a C program: benches/programs/ (a ping-pong
# at 8 B and 1 MiB, a 2-D stencil with halo exchange (256x256 and
# 1024x1024 points), and a program that
# only starts and ends MPI) compiled with `mpicc -O2 -g`, each run plainly
# (`mpiexec -n 2 ./prog`) and watched (`mpi-tutor watch -n 2 --headless
# --fast -- ./prog`), the two taking turns, several runs each. The programs
# time themselves with MPI_Wtime (start-up not included) and print the
# median of their rounds; this prints, per mode, the median of those
# medians over the runs with its quartiles, and the start-up's wall time;
# and, turn by turn, the median (quartiles) of watched over plain.
# And what it costs the mpi4py tutorial's own program (tests/programs/
# python/mpi_demo.py, 5 ranks) end to end, wall time, start-up included.
# BENCHMARKS.md has the figures; `make bench` runs it too.
#
#   scripts/watch-bench.sh
#   MPI_TUTOR_WATCH_RUNS=11 scripts/watch-bench.sh
#   MPI_TUTOR_WATCH_BEFORE=/tmp/old/mpi-tutor scripts/watch-bench.sh
#
# Environment: MPIEXEC and MPICC (defaults mpiexec, mpicc),
# MPI_TUTOR_WATCH_RUNS (runs per mode and program; default 7),
# MPI_TUTOR_WATCH_STARTUP_RUNS (runs per mode of the start-up, a fifth
# of a second apart: a run is ~50 ms and its spread a few ms; default 60),
# MPI_TUTOR_WATCH_BEFORE (another build's mpi-tutor, its interposer
# beside it: a third mode, `before`, in the same turns),
# MPI_TUTOR_WATCH_ONLY (a grep -E pattern: only the scenarios it matches,
# e.g. 'stencil 256|start-up|seed'), MPI_TUTOR_PYTHON (the interpreter
# with mpi4py for the seed; default .python/mpich/bin/python3).
# Exits 1, with the run's output, if a run fails or prints no result.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mpiexec=${MPIEXEC:-mpiexec}
mpicc=${MPICC:-mpicc}
runs=${MPI_TUTOR_WATCH_RUNS:-7}
startup_runs=${MPI_TUTOR_WATCH_STARTUP_RUNS:-60}
before=${MPI_TUTOR_WATCH_BEFORE:-}
only=${MPI_TUTOR_WATCH_ONLY:-.}
python=${MPI_TUTOR_PYTHON:-$root/.python/mpich/bin/python3}
modes=(plain watch)
if [ -n "$before" ]; then
    [ -x "$before" ] || { echo "watch-bench: $before is not a program" >&2; exit 1; }
    before=$(cd "$(dirname "$before")" && pwd)/$(basename "$before")
    modes+=(before)
fi
die() { echo "watch-bench: $*" >&2; exit 1; }
command -v "$mpicc" >/dev/null || die "$mpicc is not installed (scripts/setup.sh)"
command -v "$mpiexec" >/dev/null || die "$mpiexec is not installed (scripts/setup.sh)"

cd "$root"
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-target}
tutor=$(cd "$target/release" && pwd)/mpi-tutor
work="$target/watch-bench"
mkdir -p "$work"
for program in pingpong stencil startup; do
    "$mpicc" -O2 -g -o "$work/$program" "benches/programs/$program.c"
done
cd "$work"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The mpi-tutor that runs MODE (watch or before).
tutor_of() {
    if [ "$1" = before ]; then echo "$before"; else echo "$tutor"; fi
}

# One run of ./PROGRAM ARGS in MODE (plain, watch or before): its median.
run() {
    local mode=$1 program=$2
    shift 2
    local -a command=("$mpiexec" -n 2 "./$program" "$@")
    if [ "$mode" != plain ]; then
        command=("$(tutor_of "$mode")" watch -n 2 --headless --fast -- "./$program" "$@")
    fi
    # The watched log goes to a file, not a pipe: a reader on the same
    # cores would slow the ranks (BENCHMARKS.md, halo).
    "${command[@]}" >"$log" 2>&1 || { cat "$log" >&2; die "$mode $program $* failed"; }
    grep -o 'BENCH .*' "$log" | awk '{ print $4 }' | grep . \
        || { cat "$log" >&2; die "$mode $program $*: no result"; }
}

# The wall time of one run of COMMAND on RANKS ranks in MODE, in
# milliseconds: start-up and end included.
wall_time() {
    local mode=$1 ranks=$2 before_ns after_ns
    shift 2
    before_ns=$(date +%s%N)
    if [ "$mode" != plain ]; then
        "$(tutor_of "$mode")" watch -n "$ranks" --headless --fast -- "$@" >"$log" 2>&1
    else
        "$mpiexec" -n "$ranks" "$@" >"$log" 2>&1
    fi || { cat "$log" >&2; die "$mode $* failed"; }
    after_ns=$(date +%s%N)
    echo $(((after_ns - before_ns) / 1000))e-3
}

# "median (q1-q3)" of the numbers on stdin.
summary() {
    sort -g | awk '{ v[NR - 1] = $1 } END {
        printf "%.3f (%.3f-%.3f)", v[int(NR / 2)], v[int(NR / 4)], v[int(3 * NR / 4)] }'
}

# NAME UNIT PROGRAM ARGS...: RUNS runs per mode taking turns, then a line
# per mode (watch and before against plain).
compare() {
    local name=$1 unit=$2
    shift 2
    grep -Eq -- "$only" <<<"$name" || return 0
    local -A values=()
    local turns=$runs pause=1
    if [ "$1" = startup ]; then
        turns=$startup_runs pause=0.2
    fi
    for _ in $(seq "$turns"); do
        for mode in "${modes[@]}"; do
            if [ "$1" = startup ]; then
                value=$(wall_time "$mode" 2 ./startup)
            elif [ "$1" = seed ]; then
                value=$(wall_time "$mode" 5 "$python" "$root/tests/programs/python/mpi_demo.py")
            else
                value=$(run "$mode" "$@")
            fi
            values[$mode]+="$value "
            sleep "$pause"
        done
    done
    local p w paired mode
    p=$(tr ' ' '\n' <<<"${values[plain]}" | grep . | summary)
    for mode in "${modes[@]:1}"; do
        w=$(tr ' ' '\n' <<<"${values[$mode]}" | grep . | summary)
        paired=$(turn_by_turn "${values[plain]}" "${values[$mode]}")
        awk -v name="$name" -v unit="$unit" -v p="$p" -v w="$w" -v mode="$mode" \
            -v paired="$paired" 'BEGIN {
            split(p, a, " "); split(w, b, " ");
            printf "%-22s plain %s %s   %-7s %s %s   %+.1f%%   turn by turn %s\n",
                name, p, unit, mode, w, unit, (b[1] / a[1] - 1) * 100, paired }'
    done
    if [ -n "$before" ]; then
        paired=$(turn_by_turn "${values[before]}" "${values[watch]}")
        printf "%-22s watch against before, turn by turn %s\n" "$name" "$paired"
    fi
}

# turn_by_turn BASE OTHER (space-separated values, one a turn): the
# median (quartiles) of each turn's OTHER over BASE, as "+m% (+q1% to +q3%)".
turn_by_turn() {
    turn_ratios "$1" "$2" | summary | as_percent
}

# "median (q1-q3)" of ratios as "+m% (+q1% to +q3%)".
as_percent() {
    awk '{ gsub(/[()]/, "", $2); split($2, q, "-");
        printf "%+.1f%% (%+.1f%% to %+.1f%%)", ($1 - 1) * 100, (q[1] - 1) * 100, (q[2] - 1) * 100 }'
}

# Each turn's MODE value over its plain value, one a line: the host's
# speed drifts over minutes, and a turn's runs are seconds apart, so the
# median of these ratios moves less from set to set than the ratio of
# the two medians.
turn_ratios() {
    awk -v plain="$1" -v other="$2" 'BEGIN {
        n = split(plain, p, " "); split(other, o, " ");
        for (i = 1; i <= n; i++) printf "%.6f\n", o[i] / p[i] }'
}

echo "median (quartiles) of $runs runs each (the start-up: $startup_runs), ${modes[*]} taking turns, 2 ranks (the seed: 5)"
compare "ping-pong 8 B" "us" pingpong 8 400 100
compare "ping-pong 1 MiB" "us" pingpong 1048576 200 2
compare "stencil 256x256" "us/step" stencil 256 2000
compare "stencil 1024x1024" "us/step" stencil 1024 500
compare "start-up" "ms" startup
if [ -x "$python" ]; then
    compare "mpi4py seed (5 ranks)" "ms" seed
else
    echo "mpi4py seed: skipped, no $python (scripts/setup.sh makes it)"
fi
