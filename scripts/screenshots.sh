#!/usr/bin/env bash
# Regenerates the README screenshots (assets/live-*.png) from the real program:
# runs `mpiexec -n 5 mpi-tutor lesson send-recv --paused` in a 120x40 tmux
# window, steps it as a teacher would, captures the screen with
# `tmux capture-pane -e` and renders each capture with scripts/screenshot.py.
#
# Needs: tmux, mpiexec (MPICH or Open MPI; `scripts/setup.sh --for-tests`),
# python3 with Pillow (`pip install pillow`), the DejaVu fonts
# (fonts-dejavu-core), and a built binary (`cargo build`).
#
#   scripts/screenshots.sh
#   MPI_TUTOR_BIN=target/release/mpi-tutor scripts/screenshots.sh
#
# Environment: MPI_TUTOR_BIN (default target/debug/mpi-tutor), MPIEXEC
# (default mpiexec), PYTHON (default python3), SHOTS_DIR (default assets),
# SHOTS_KEEP=1 to keep the raw .ansi captures (their directory is printed).
# It uses its own tmux server (socket "shots") and kills only that one.
set -euo pipefail

bin=${MPI_TUTOR_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/debug/mpi-tutor}
build_hint="cargo build"
me=screenshots
socket=shots
limit=30   # seconds to wait for any expected screen
cols=120
rows=40
# shellcheck source=scripts/shots-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/shots-lib.sh"

start() {
  open_window "$cols" "$rows" -n 5 "$bin" lesson send-recv --paused
  wait_for "five ranks, paused" PAUSED "rank 0 ─" "rank 1 ─" "rank 2 ─" "rank 3 ─" "rank 4 ─" \
    "paused before send" "paused before recv" || die "mpi-tutor did not start as expected"
}

# One run up to the message in flight; succeeds when the envelope was caught.
mid_flight() {
  local delay=$1
  start
  # Rank 1 first: its receive goes and waits, rank 0 has not sent yet.
  t send-keys -t "$target" 1 n
  wait_for "rank 1 waiting in its receive" "waiting in recv from 0" || die "rank 1 did not step"
  sleep 1
  # Now rank 0's send: the message travels.
  t send-keys -t "$target" n
  sleep "$delay"
  local deadline=$((SECONDS + 2))
  while :; do
    capture live-mid-flight
    grep -qF "✉" "$work/live-mid-flight.ansi" && return 0
    # already delivered: too late for this run
    grep -qF "800 B delivered" "$work/live-mid-flight.ansi" && return 1
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.05
  done
}

caught=no
for delay in 0.4 0.25 0.55 0.15; do
  if mid_flight "$delay"; then
    caught=yes
    break
  fi
  echo "screenshots: missed the message in flight (after ${delay}s), trying again" >&2
done
if [ "$caught" = no ]; then
  grep -qF "tag 13 · 800 B" "$work/live-mid-flight.ansi" ||
    die "never caught the message in flight"
  echo "screenshots: warning: no envelope caught; keeping a capture with the label" >&2
fi
render live-mid-flight "$cols" "$rows"

# The lesson ends; a few seconds later the summary opens by itself.
wait_for "the summary" "┌ summary"
sleep 0.3
capture live-summary
render live-summary "$cols" "$rows"

# The help overlay.
t send-keys -t "$target" '?'
wait_for "the help" "┌ help"
sleep 0.3
capture live-help
render live-help "$cols" "$rows"

quit
