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

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${MPI_TUTOR_BIN:-$root/target/debug/mpi-tutor}
mpiexec=${MPIEXEC:-mpiexec}
python=${PYTHON:-python3}
out=${SHOTS_DIR:-$root/assets}
cols=120
rows=40
target=shots:0.0
limit=30   # seconds to wait for any expected screen

die() { echo "screenshots: $*" >&2; exit 1; }
command -v tmux >/dev/null || die "tmux is not installed"
command -v "$mpiexec" >/dev/null || die "$mpiexec is not installed (scripts/setup.sh)"
[ -x "$bin" ] || die "no binary at $bin (cargo build, or set MPI_TUTOR_BIN)"
"$python" -c 'import PIL' 2>/dev/null || die "$python lacks Pillow (pip install pillow)"
mkdir -p "$out"

work=$(mktemp -d)
t() { tmux -L shots -f /dev/null "$@"; }
stop() { t kill-server 2>/dev/null || true; }
cleanup() {
  stop
  if [ -n "${SHOTS_KEEP:-}" ]; then echo "captures kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The visible screen as plain text.
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
      echo "screenshots: timed out waiting for $what; the screen:" >&2
      echo "$s" >&2
      return 1
    fi
    sleep 0.05
  done
}

# capture NAME: the screen with its colours, as $work/NAME.ansi
capture() { t capture-pane -e -p -t "$target" >"$work/$1.ansi"; }

render() {
  "$python" "$root/scripts/screenshot.py" "$work/$1.ansi" "$out/$1.png" --cols "$cols" --rows "$rows"
  echo "wrote ${out#"$root"/}/$1.png"
}

start() {
  stop
  local cmd
  cmd="$(printf '%q ' "$mpiexec" -n 5 "$bin" lesson send-recv --paused)"
  cmd+="; echo MPI_TUTOR_EXIT=\$?; sleep 600"
  t new-session -d -s shots -x "$cols" -y "$rows" "$cmd"
  t set-option -t shots status off >/dev/null
  t resize-window -t shots -x "$cols" -y "$rows" 2>/dev/null || true
  local size
  size=$(t display-message -p -t "$target" '#{pane_width}x#{pane_height}')
  [ "$size" = "${cols}x${rows}" ] || die "the tmux pane is $size, not ${cols}x${rows}"
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
render live-mid-flight

# The lesson ends; a few seconds later the summary opens by itself.
wait_for "the summary" "┌ summary"
sleep 0.3
capture live-summary
render live-summary

# The help overlay.
t send-keys -t "$target" '?'
wait_for "the help" "┌ help"
sleep 0.3
capture live-help
render live-help

t send-keys -t "$target" q
wait_for "the shell back" "MPI_TUTOR_EXIT="
grep -qF "MPI_TUTOR_EXIT=0" <<<"$(screen)" || echo "screenshots: warning: mpi-tutor exited non-zero" >&2
