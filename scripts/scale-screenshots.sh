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

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${MPI_TUTOR_BIN:-$root/target/release/mpi-tutor}
mpiexec=${MPIEXEC:-mpiexec}
python=${PYTHON:-python3}
out=${SHOTS_DIR:-$root/assets}
target=scale-shots:0.0
limit=90   # seconds to wait for any expected screen (64 ranks start slowly)

die() { echo "scale-screenshots: $*" >&2; exit 1; }
command -v tmux >/dev/null || die "tmux is not installed"
command -v "$mpiexec" >/dev/null || die "$mpiexec is not installed (scripts/setup.sh)"
[ -x "$bin" ] || die "no binary at $bin (cargo build --release, or set MPI_TUTOR_BIN)"
"$python" -c 'import PIL' 2>/dev/null || die "$python lacks Pillow (pip install pillow)"
mkdir -p "$out"

work=$(mktemp -d)
t() { tmux -L scale-shots -f /dev/null "$@"; }
# Ends our tmux server and waits until it is gone: a new session started
# while it shuts down fails ("server exited unexpectedly").
stop() {
  t kill-server 2>/dev/null || true
  local i
  for i in $(seq 50); do
    t list-sessions >/dev/null 2>&1 || return 0
    sleep 0.1
  done
}
cleanup() {
  stop
  if [ -n "${SHOTS_KEEP:-}" ]; then echo "captures kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

screen() { t capture-pane -p -t "$target" 2>/dev/null || true; }

# wait_for WHAT GREP-PATTERN... : until the screen matches every pattern.
wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + limit)) s p ok
  while :; do
    s=$(screen)
    ok=yes
    for p in "$@"; do
      grep -qF -- "$p" <<<"$s" || { ok=no; break; }
    done
    [ "$ok" = yes ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "scale-screenshots: timed out waiting for $what; the screen:" >&2
      echo "$s" >&2
      return 1
    fi
    sleep 0.1
  done
}

# shot NAME COLS ROWS: the screen with its colours, rendered to $out/NAME.png
shot() {
  t capture-pane -e -p -t "$target" >"$work/$1.ansi"
  "$python" "$root/scripts/screenshot.py" "$work/$1.ansi" "$out/$1.png" --cols "$2" --rows "$3"
  echo "wrote ${out#"$root"/}/$1.png"
}

# start COLS ROWS ARGS...: mpiexec -n 64 mpi-tutor lesson ARGS... in a fresh window
start() {
  local cols=$1 rows=$2 cmd size
  shift 2
  stop
  cmd="$(printf '%q ' "$mpiexec" -n 64 "$bin" lesson "$@")"
  cmd+="; echo MPI_TUTOR_EXIT=\$?; sleep 600"
  t new-session -d -s scale-shots -x "$cols" -y "$rows" "$cmd"
  t set-option -t scale-shots status off >/dev/null
  t resize-window -t scale-shots -x "$cols" -y "$rows" 2>/dev/null || true
  size=$(t display-message -p -t "$target" '#{pane_width}x#{pane_height}')
  [ "$size" = "${cols}x${rows}" ] || die "the tmux pane is $size, not ${cols}x${rows}"
  wait_for "64 ranks on screen" "world · 64 ranks" "63 " || die "mpi-tutor did not start as expected"
}

quit() {
  t send-keys -t "$target" q
  wait_for "the shell back" "MPI_TUTOR_EXIT=" || die "mpi-tutor did not quit"
  grep -qF "MPI_TUTOR_EXIT=0" <<<"$(screen)" || echo "scale-screenshots: warning: mpi-tutor exited non-zero" >&2
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
