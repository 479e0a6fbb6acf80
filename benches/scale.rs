//! Scale: `ring` and `halo` headless at 32 and 64 ranks (on however many
//! cores the machine has: 2 on the project's), each next to the same
//! program written with plain rsmpi. `cargo bench --bench scale`, or
//! `scripts/scale.sh`; `make bench` runs it with the other benches.
//!
//! For each run: wall time of the whole `mpiexec` (start-up and finalize
//! included) and the CPU time of all its processes, medians of a few runs; memory sampled from /proc: the most
//! the ranks' PSS added up to at once (what the job really held: shared
//! pages split between the processes sharing them), and the sum of each
//! rank's peak RSS (VmHWM; it counts the MPI libraries once per rank) with
//! the largest rank's.
//! A run that fails, loses events or takes longer than the limit is
//! reported with its output and makes the bench exit 1.
//!
//! Environment: `MPIEXEC` (default mpiexec), `MPI_TUTOR_SCALE_RANKS`
//! (default "32 64"), `MPI_TUTOR_SCALE_RUNS` (runs per figure, default 3),
//! `MPI_TUTOR_SCALE_LIMIT` (seconds per run before it is ended, default 120).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mpi::collective::SystemOperation;
use mpi::traits::*;

#[path = "common/median.rs"]
mod median;
#[path = "common/plain_halo.rs"]
mod plain_halo;
use median::median;
use plain_halo::plain_halo;

const WORKER: &str = "MPI_TUTOR_SCALE_PLAIN";
/// The lessons' defaults: ring's laps, halo's iterations.
const LAPS: u32 = 2;
const ITERATIONS: u32 = 6;

fn main() {
    if let Ok(spec) = std::env::var(WORKER) {
        plain(&spec);
        return;
    }
    // `cargo test --all-targets` runs benches once without `--bench`:
    // building is the test there.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mpiexec = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".into());
    let ranks: Vec<u32> = std::env::var("MPI_TUTOR_SCALE_RANKS")
        .unwrap_or_else(|_| "32 64".into())
        .split_whitespace()
        .map(|s| s.parse().expect("MPI_TUTOR_SCALE_RANKS: numbers"))
        .collect();
    let runs: usize = env_number("MPI_TUTOR_SCALE_RUNS", 3).max(1);
    let limit = Duration::from_secs(env_number("MPI_TUTOR_SCALE_LIMIT", 120) as u64);
    let tutor = PathBuf::from(env!("CARGO_BIN_EXE_mpi-tutor"));
    let me = std::env::current_exe().expect("my own path");
    if Command::new(&mpiexec).arg("--version").output().is_err() {
        eprintln!("scale: {mpiexec} not found: install MPI (scripts/setup.sh) or set MPIEXEC");
        std::process::exit(1);
    }

    print_header(&mpiexec, runs);
    let mut failed = 0;
    for lesson in ["ring", "halo"] {
        for &n in &ranks {
            let mut tutor_cmd = || {
                let mut c = Command::new(&mpiexec);
                c.args(["-n", &n.to_string()])
                    .arg(&tutor)
                    .args(["lesson", lesson, "--headless"]);
                c
            };
            let label = format!("{lesson} {n} ranks, mpi-tutor");
            failed += report(&label, runs, limit, &tutor, &mut tutor_cmd, |out| {
                tutor_verdict(out, n)
            });
            let size = halo_size(n);
            let mut plain_cmd = || {
                let mut c = Command::new(&mpiexec);
                c.args(["-n", &n.to_string()])
                    .arg(&me)
                    .env(WORKER, format!("{lesson}:{size}"));
                c
            };
            let label = format!("{lesson} {n} ranks, plain rsmpi");
            failed += report(&label, runs, limit, &me, &mut plain_cmd, |out| {
                if out.contains("plain: ok") {
                    Ok(("-".into(), "ok".into()))
                } else {
                    Err("the plain program's check did not pass".into())
                }
            });
        }
    }
    if failed > 0 {
        eprintln!("scale: {failed} run(s) failed (see above)");
        std::process::exit(1);
    }
}

/// What the columns mean, then their heads.
fn print_header(mpiexec: &str, runs: usize) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "scale: headless runs on {cores} cores, {mpiexec}; wall: the whole mpiexec, median of {runs}; \
         CPU: user + system of the job (mpiexec and ranks)"
    );
    println!(
        "memory: PSS = the ranks' proportional set sizes added up, at their peak (shared pages \
         counted once);\n        RSS sum = each rank's peak resident set added up (shared \
         libraries counted per rank), and the largest"
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>20} {:>8}  result",
        "run", "wall", "CPU", "PSS", "RSS sum (largest)", "events"
    );
}

fn env_number(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The halo lesson's default grid side on `n` ranks (lessons/halo.rs).
fn halo_size(n: u32) -> u32 {
    let lesson = mpi_tutor::lessons::find("halo").expect("halo lesson");
    let params = lesson
        .params_on(mpi_tutor::lessons::Params::default(), n)
        .expect("halo runs on these ranks");
    params.size.expect("halo has a size")
}

/// Events received and the checks, from the headless log's last lines.
fn tutor_verdict(out: &str, n: u32) -> Result<(String, String), String> {
    let events = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("events: "))
        .ok_or("no event count in the log")?;
    if !events.contains("none lost") {
        return Err(format!("events lost: {events}"));
    }
    let expected = format!("checks: {n} passed, 0 failed");
    if !out.contains(&expected) {
        return Err(format!("expected `{expected}`"));
    }
    let count = events.split_whitespace().next().unwrap_or("?").to_string();
    Ok((count, format!("{n} checks passed")))
}

/// Runs `cmd` `runs` times and prints one line; 1 if it failed.
fn report(
    label: &str,
    runs: usize,
    limit: Duration,
    exe: &Path,
    cmd: &mut dyn FnMut() -> Command,
    verdict: impl Fn(&str) -> Result<(String, String), String>,
) -> usize {
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let (mut sum, mut max, mut pss) = (0u64, 0u64, 0u64);
    let mut outcome = (String::new(), String::new());
    for _ in 0..runs {
        let m = measure(cmd(), exe, limit);
        let problem = if m.timed_out {
            Err(format!(
                "still running after {} s (MPI_TUTOR_SCALE_LIMIT), so it was ended",
                limit.as_secs()
            ))
        } else if m.code != Some(0) {
            Err(format!("exit code {:?}", m.code))
        } else {
            verdict(&m.stdout)
        };
        match problem {
            Ok(v) => outcome = v,
            Err(why) => {
                println!("{label:<28} FAILED: {why}");
                let tail = |s: &str| {
                    let lines: Vec<&str> = s.lines().collect();
                    lines[lines.len().saturating_sub(15)..].join("\n")
                };
                eprintln!(
                    "--- stdout (end)\n{}\n--- stderr (end)\n{}",
                    tail(&m.stdout),
                    tail(&m.stderr)
                );
                return 1;
            }
        }
        walls.push(m.wall);
        cpus.push(m.cpu);
        sum = sum.max(m.rss_sum_kib);
        max = max.max(m.rss_max_kib);
        pss = pss.max(m.pss_peak_kib);
    }
    walls.sort();
    let wall = walls[walls.len() / 2];
    println!(
        "{label:<28} {:>7.2} s {:>7.1} s {:>9} {:>20} {:>8}  {}",
        wall.as_secs_f64(),
        median(cpus),
        mib(pss),
        format!("{} ({})", mib(sum), mib(max)),
        outcome.0,
        outcome.1
    );
    0
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

struct Measured {
    wall: Duration,
    /// CPU time (user + system) of the whole job: mpiexec and every rank.
    cpu: f64,
    code: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr: String,
    /// Sum over the ranks of each one's peak RSS, and the largest.
    rss_sum_kib: u64,
    rss_max_kib: u64,
    /// The most the ranks' PSS added up to at one time.
    pss_peak_kib: u64,
}

/// Runs `cmd` (an mpiexec) to its end or `limit`, sampling the peak memory
/// of its processes running `exe` (the ranks).
fn measure(mut cmd: Command, exe: &Path, limit: Duration) -> Measured {
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
    let out = tempfile::tempfile().unwrap();
    let err = tempfile::tempfile().unwrap();
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap());
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut child = cmd.spawn().expect("mpiexec starts");
    let root = child.id() as i32;
    let mut peaks: BTreeMap<i32, u64> = BTreeMap::new();
    let mut seen: BTreeSet<i32> = BTreeSet::new();
    let mut timed_out = false;
    let mut pss_peak = 0u64;
    let mut sample = 0u64;
    let status = loop {
        // The job's own memory (PSS: shared pages split between their
        // users) every 100 ms: it costs the kernel more to tell.
        let pss_now = sample % 5 == 0;
        sample += 1;
        let mut pss = 0;
        for pid in descendants(root) {
            seen.insert(pid);
            if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe) {
                if let Some(hwm) = status_kib(pid, "VmHWM:") {
                    let e = peaks.entry(pid).or_default();
                    *e = (*e).max(hwm);
                }
                if pss_now {
                    pss += rollup_kib(pid, "Pss:").unwrap_or(0);
                }
            }
        }
        pss_peak = pss_peak.max(pss);
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > limit {
            timed_out = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = start.elapsed();
    let code = match status {
        Some(s) => s.code(),
        None => {
            end_job(&mut child, &mut seen);
            None
        }
    };
    Measured {
        wall,
        cpu: children_cpu() - cpu_before,
        code,
        timed_out,
        stdout: read_all(out),
        stderr: read_all(err),
        rss_sum_kib: peaks.values().sum(),
        pss_peak_kib: pss_peak,
        rss_max_kib: peaks.values().copied().max().unwrap_or(0),
    }
}

/// Ends a job that overran its time: mpiexec ends its ranks on SIGTERM;
/// what is left after a grace period is killed by pid (`seen`, and what
/// is below mpiexec now): only processes this run started.
fn end_job(child: &mut std::process::Child, seen: &mut BTreeSet<i32>) {
    let root = child.id() as i32;
    // SAFETY: plain kill(2) on pids of this run's process tree.
    unsafe { libc::kill(root, libc::SIGTERM) };
    let grace = Instant::now();
    while grace.elapsed() < Duration::from_secs(5) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    seen.extend(descendants(root));
    for &pid in seen.iter() {
        // SAFETY: as above.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// All that was written to `f`, from its start.
fn read_all(mut f: std::fs::File) -> String {
    use std::io::{Read, Seek};
    let mut s = String::new();
    let _ = f.rewind();
    let _ = f.read_to_string(&mut s);
    s
}

/// Seconds of CPU used by this process's children that have ended (and
/// theirs, as each waits for its own: mpiexec for the ranks).
fn children_cpu() -> f64 {
    // SAFETY: rusage is a C struct of integers: all zeros is a valid one.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Every process below `root` (not `root` itself), from /proc.
fn descendants(root: i32) -> Vec<i32> {
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        children.entry(ppid).or_default().push(pid);
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

/// A `Key:   123 kB` line of /proc/PID/status.
fn status_kib(pid: i32, key: &str) -> Option<u64> {
    kib_in(
        &std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?,
        key,
    )
}

/// A `Key:   123 kB` line of /proc/PID/smaps_rollup.
fn rollup_kib(pid: i32, key: &str) -> Option<u64> {
    kib_in(
        &std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?,
        key,
    )
}

fn kib_in(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ---- The same programs with plain rsmpi: blocking calls, no tutor. ----

fn plain(spec: &str) {
    let (lesson, size) = spec.split_once(':').expect("lesson:size");
    let universe = mpi::initialize().expect("MPI starts");
    let world = universe.world();
    let ok = match lesson {
        "ring" => plain_ring(&world),
        "halo" => plain_halo(&world, size.parse().expect("size"), ITERATIONS).1,
        other => panic!("no plain {other}"),
    };
    // Every rank's verdict, combined on rank 0.
    let mine = u8::from(ok);
    let mut all = 0u8;
    world.all_reduce_into(&mine, &mut all, SystemOperation::min());
    if world.rank() == 0 {
        println!("plain: {}", if all == 1 { "ok" } else { "FAILED" });
    }
}

/// lessons/ring.rs with MPI_Send / MPI_Recv.
fn plain_ring(world: &impl Communicator) -> bool {
    let (rank, size) = (world.rank(), world.size());
    let left = world.process_at_rank((rank + size - 1) % size);
    let right = world.process_at_rank((rank + 1) % size);
    let per_lap = i64::from(size) * i64::from(size - 1) / 2;
    let mut token = 0i64;
    let mut ok = true;
    for lap in 0..i64::from(LAPS) {
        if rank == 0 {
            right.send_with_tag(&token, 1);
            left.receive_into_with_tag(&mut token, 1);
            ok &= token == (lap + 1) * per_lap;
        } else {
            left.receive_into_with_tag(&mut token, 1);
            ok &= token == lap * per_lap + i64::from(rank) * i64::from(rank - 1) / 2;
            token += i64::from(rank);
            right.send_with_tag(&token, 1);
        }
    }
    ok
}
