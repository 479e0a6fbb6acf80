#!/usr/bin/env bash
# Regenerates the 64-rank screenshots (assets/scale-*.png) from the real
# program, as scripts/screenshots.sh does for the README's: runs the live
# view in a tmux window, waits for the moment, captures the screen with
# `tmux capture-pane -e` and renders it with scripts/screenshot.py.
#
#   scale-ring-64.png            ring, 64 ranks, 120x40: the token half way round lap 2
#   scale-ring-64-spacetime.png  ring, after the run: space-time diagram (t)
#   scale-ring-64-matrix.png     ring, after the run: who sent to whom (m)
#   scale-halo-64.png            halo, 64 ranks, 120x40: edges lit mid-exchange
#   scale-halo-64-80x24.png      halo, 64 ranks, 80x24: the heat alone, ticks on the frame
#
# Needs what scripts/screenshots.sh needs (tmux, mpiexec, python3 with
# Pillow, the DejaVu fonts) and a built binary (`cargo build --release`).
#
#   scripts/scale-screenshots.sh
#
# Environment: MPI_TUTOR_BIN (default target/release/mpi-tutor), MPIEXEC
# (default mpiexec), PYTHON (default python3), SHOTS_DIR (default assets),
# SHOTS_KEEP=1 to keep the raw .ansi captures. It uses its own tmux server
# (socket "scale-shots") and kills only that one.
set -euo pipefail

bin=${MPI_TUTOR_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/release/mpi-tutor}
build_hint="cargo build --release"
me=scale-screenshots
socket=scale-shots
limit=90   # seconds to wait for any expected screen (64 ranks start slowly)
# shellcheck source=scripts/shots-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/shots-lib.sh"

# shot NAME COLS ROWS: the screen with its colours, rendered to $out/NAME.png
shot() {
  capture "$1"
  render "$@"
}

# start COLS ROWS ARGS...: mpiexec -n 64 mpi-tutor lesson ARGS... in a fresh window
start() {
  local cols=$1 rows=$2
  shift 2
  open_window "$cols" "$rows" -n 64 "$bin" lesson "$@"
  wait_for "64 ranks on screen" "world · 64 ranks" "63 " || die "mpi-tutor did not start as expected"
}

# ring: at 48 calls a second the ranks are all let into their first call in
# about a second and a half, then the token travels (each hop is shown
# crossing for a second, whatever the pace); a few hops in, every rank
# waits for its left neighbour. Then full speed (f) to the end.
start 120 40 ring --speed 48
wait_for "the token moving" "✉" || die "the token never moved"
sleep 3
wait_for "a message in flight" "✉" || die "no message in flight"
shot scale-ring-64 120 40
t send-keys -t "$target" f
wait_for "the summary" "┌ summary" || die "the run did not end"
t send-keys -t "$target" s t
wait_for "the space-time diagram" "space-time ·" "ranks 0–" || die "no space-time diagram"
sleep 0.5
shot scale-ring-64-spacetime 120 40
t send-keys -t "$target" m
wait_for "the matrix" "messages · sender" || die "no matrix"
sleep 0.5
shot scale-ring-64-matrix 120 40
quit

# halo: wait for an exchange after the first field came in.
start 120 40 halo --speed 256
wait_for "heat and an exchange" " heat · it " "━ exchange" "waitall" || die "no exchange seen"
sleep 1
wait_for "an exchange" "━ exchange" || die "no exchange seen"
shot scale-halo-64 120 40
quit

start 80 24 halo --speed 256
wait_for "heat, ticks lit" " heat · it 2" "┳ exchange" || die "no exchange seen at 80x24"
shot scale-halo-64-80x24 80 24
quit
