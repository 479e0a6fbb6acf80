#!/usr/bin/env bash
# Where the start-up of a watched program goes, stage by stage, against
# the plain program: `mpi-tutor watch -n 2 --headless --fast -- ./startup`
# and `mpiexec -n 2 ./startup` (benches/programs/startup.c: MPI_Init and
# MPI_Finalize only) taking turns, each run recorded by `perf` with the
# scheduler's exec and exit tracepoints and uprobes on the MPI library's
# PMPI_Init, PMPI_Init_thread and PMPI_Finalize (entry and return). The
# medians of each stage, and of the time until the last rank is past
# MPI_Init (the job running), in ms from the command's start. The probes add
# their own cost, so only the differences between modes count; the
# stages are steadier than the whole job's wall time (scripts/watch-bench.sh),
# so they show changes too small for it. BENCHMARKS.md has the figures.
#
#   scripts/watch-stages.sh                                       # 15 runs a mode
#   scripts/watch-stages.sh /tmp/old/target/release/mpi-tutor     # and another build
#
# Needs perf and the right to add uprobes (root). MPI_TUTOR_STAGES_RUNS
# (runs a mode); MPICC, MPIEXEC as for scripts/watch-bench.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mpicc=${MPICC:-mpicc}
mpiexec=${MPIEXEC:-mpiexec}
runs=${MPI_TUTOR_STAGES_RUNS:-15}
die() { echo "watch-stages: $*" >&2; exit 1; }
command -v perf >/dev/null || die "perf is not installed (apt-get install linux-perf)"
command -v "$mpiexec" >/dev/null || die "$mpiexec is not installed (scripts/setup.sh)"

cd "$root"
cargo build --release --quiet
tutor=$root/${CARGO_TARGET_DIR:-target}/release/mpi-tutor
before=${1:+$(cd "$(dirname "$1")" && pwd)/$(basename "$1")}
[ -z "$before" ] || [ -x "$before" ] || die "$before is not a program"
work=$(mktemp -d)
group=mpitutorstages
trap 'perf probe -q -d "$group:*" 2>/dev/null || true; rm -rf "$work"' EXIT
"$mpicc" -O2 -g -o "$work/startup" benches/programs/startup.c
library=$(ldd "$work/startup" | awk '/libmpi(ch)?\.so/ { print $3; exit }')
[ -n "$library" ] || die "startup links no MPI library"
# perf names a return probe EVENT__return.
for probe in init=PMPI_Init init=PMPI_Init%return \
    init_thread=PMPI_Init_thread init_thread=PMPI_Init_thread%return \
    finalize=PMPI_Finalize finalize=PMPI_Finalize%return; do
    perf probe -q -x "$library" "$group:$probe" || die "cannot add the uprobe $probe (root?)"
done

modes=(plain watch)
[ -z "$before" ] || modes+=(before)
cd "$work"
for turn in $(seq "$runs"); do
    for mode in "${modes[@]}"; do
        case $mode in
            plain) command=("$mpiexec" -n 2 ./startup) ;;
            watch) command=("$tutor" watch -n 2 --headless --fast -- ./startup) ;;
            before) command=("$before" watch -n 2 --headless --fast -- ./startup) ;;
        esac
        perf record -q -o "$mode.data" -a -e sched:sched_process_exec \
            -e sched:sched_process_exit -e "$group:*" -- "${command[@]}" >/dev/null 2>&1 \
            || die "$mode failed"
        perf script -F pid,time,event,trace -i "$mode.data" >"$mode-$turn.txt" 2>/dev/null
        sleep 0.2
    done
done

python3 - "${modes[@]}" <<'EOF'
import glob, re, statistics, sys

STAGES = [
    ("the launcher, until mpiexec starts", "start", "mpiexec"),
    ("mpiexec to the ranks' exec", "mpiexec", "exec"),
    ("the ranks' exec to MPI_Init", "exec", "init"),
    ("MPI_Init", "init", "init_return"),
    ("MPI_Init's return to PMPI_Finalize", "init_return", "finalize"),
    ("PMPI_Finalize", "finalize", "finalize_return"),
    ("PMPI_Finalize's return to the command's end", "finalize_return", "end"),
    ("the command's start to every rank past MPI_Init", "start", "init_return"),
    ("the whole command", "start", "end"),
]

def moments(path):
    """The moments of one run, in ms from the command's exec; the rank
    moments are the last rank's."""
    first, found, ranks = None, {}, set()
    for line in open(path):
        m = re.match(r"\s*(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)", line)
        if not m:
            continue
        pid, t, event, rest = int(m.group(1)), float(m.group(2)) * 1e3, m.group(3), m.group(4)
        if event == "sched:sched_process_exec":
            name = rest.split("filename=")[1].split()[0].rsplit("/", 1)[-1]
            if first is None:
                first = (pid, t)
            if name == "startup":
                ranks.add(pid)
                found.setdefault("exec", t)
            elif name.startswith("mpiexec"):
                found.setdefault("mpiexec", t)
        elif event == "sched:sched_process_exit":
            if first and f"pid={first[0]} " in rest + " ":
                found["end"] = t
        elif pid in ranks:
            probe = event.split(":")[1].replace("__return", "_return")
            probe = probe.replace("init_thread", "init")
            found[probe] = max(found.get(probe, t), t)
    if first is None:
        return {}
    found["start"] = first[1]
    return {k: v - first[1] for k, v in found.items()}

width = max(len(name) for name, _, _ in STAGES) + 2
print(f"{'stage (median ms)':{width}s}" + "".join(f"{m:>10s}" for m in sys.argv[1:]))
runs = {m: [moments(p) for p in sorted(glob.glob(f"{m}-*.txt"))] for m in sys.argv[1:]}
for name, a, b in STAGES:
    row = f"{name:{width}s}"
    for mode in sys.argv[1:]:
        spans = [r[b] - r[a] for r in runs[mode] if a in r and b in r]
        row += f"{statistics.median(spans):10.2f}" if spans else f"{'-':>10s}"
    print(row)
EOF
