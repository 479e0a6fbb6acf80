# Shared by scripts/screenshots.sh and scripts/scale-screenshots.sh: runs
# the live view in a tmux window of its own server, waits for a moment on
# the screen, captures it with `tmux capture-pane -e` and renders it with
# scripts/screenshot.py. Source it after setting:
#   me      the script's name, for messages
#   socket  the tmux server (socket) to use; only that server is ever killed
#   limit   seconds to wait for any expected screen
#   bin     the mpi-tutor binary, and what to say when it is missing: build_hint
# Environment: MPIEXEC, PYTHON, SHOTS_DIR (default assets), SHOTS_KEEP=1.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mpiexec=${MPIEXEC:-mpiexec}
python=${PYTHON:-python3}
out=${SHOTS_DIR:-$root/assets}
target=$socket:0.0

die() { echo "$me: $*" >&2; exit 1; }
command -v tmux >/dev/null || die "tmux is not installed"
command -v "$mpiexec" >/dev/null || die "$mpiexec is not installed (scripts/setup.sh)"
[ -x "$bin" ] || die "no binary at $bin ($build_hint, or set MPI_TUTOR_BIN)"
"$python" -c 'import PIL' 2>/dev/null || die "$python lacks Pillow (pip install pillow)"
mkdir -p "$out"

work=$(mktemp -d)
t() { tmux -L "$socket" -f /dev/null "$@"; }
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
      echo "$me: timed out waiting for $what; the screen:" >&2
      echo "$s" >&2
      return 1
    fi
    sleep 0.05
  done
}

# open_window COLS ROWS ARGS...: `mpiexec ARGS...` in a fresh window of
# exactly that size, then the shell's exit code and a pause.
open_window() {
  local cols=$1 rows=$2 cmd size
  shift 2
  stop
  cmd="$(printf '%q ' "$mpiexec" "$@")"
  cmd+="; echo MPI_TUTOR_EXIT=\$?; sleep 600"
  t new-session -d -s "$socket" -x "$cols" -y "$rows" "$cmd"
  t set-option -t "$socket" status off >/dev/null
  t resize-window -t "$socket" -x "$cols" -y "$rows" 2>/dev/null || true
  size=$(t display-message -p -t "$target" '#{pane_width}x#{pane_height}')
  [ "$size" = "${cols}x${rows}" ] || die "the tmux pane is $size, not ${cols}x${rows}"
}

# capture NAME: the screen with its colours, as $work/NAME.ansi
capture() { t capture-pane -e -p -t "$target" >"$work/$1.ansi"; }

# render NAME COLS ROWS: $work/NAME.ansi as $out/NAME.png
render() {
  "$python" "$root/scripts/screenshot.py" "$work/$1.ansi" "$out/$1.png" --cols "$2" --rows "$3"
  echo "wrote ${out#"$root"/}/$1.png"
}

# quit: q, then the shell back; warns if mpi-tutor did not exit 0.
quit() {
  t send-keys -t "$target" q
  wait_for "the shell back" "MPI_TUTOR_EXIT=" || die "mpi-tutor did not quit"
  grep -qF "MPI_TUTOR_EXIT=0" <<<"$(screen)" || echo "$me: warning: mpi-tutor exited non-zero" >&2
}
