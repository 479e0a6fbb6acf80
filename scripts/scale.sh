#!/usr/bin/env bash
# Scale: `ring` and `halo` headless at 32 and 64 ranks under the real
# mpiexec, each next to the same program in plain rsmpi; prints wall time,
# memory (PSS and RSS of the ranks) and the lessons' verdicts. The work is
# done by benches/scale.rs (release build); `make bench` runs it too.
#
#   scripts/scale.sh
#   MPI_TUTOR_SCALE_RANKS="16 32 64" MPI_TUTOR_SCALE_RUNS=5 scripts/scale.sh
#
# Environment: MPIEXEC (default mpiexec), MPI_TUTOR_SCALE_RANKS (default
# "32 64"), MPI_TUTOR_SCALE_RUNS (runs per figure, median shown; default 3),
# MPI_TUTOR_SCALE_LIMIT (seconds before a run is ended as hung; default 120).
# Exits 1, with the failing run's output, if a run fails, hangs or loses events.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mpiexec=${MPIEXEC:-mpiexec}
die() { echo "scale: $*" >&2; exit 1; }
command -v cargo >/dev/null || die "cargo is not installed"
command -v "$mpiexec" >/dev/null || die "$mpiexec is not installed (scripts/setup.sh)"
[ -d /proc/self ] || die "needs /proc (Linux) to measure memory"
cd "$root"
exec cargo bench --bench scale
