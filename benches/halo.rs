//! The `halo` lesson at full speed, recorded through the probe, next to the
//! same computation written with plain rsmpi and nothing recorded, in the
//! same run. `cargo bench --bench halo`.
//!
//! Both time the same span on every rank, from the end of its first halo
//! exchange to the end of its last (one step fewer than the run), and
//! report the slowest rank; both then check their result against the
//! serial computation, untimed. The first exchange is left out because the
//! lesson, unlike the plain program, has no barrier before its loop: rank
//! 0's first exchange waits for the other ranks to finish starting up.
//! The probe run is the real lesson, started as
//! `mpi-tutor lesson halo --headless --fast --record`, heat-map snapshots
//! included; its span is read from the recorded trace.

use std::path::Path;
use std::process::{Command, Stdio};

use mpi::collective::SystemOperation;
use mpi::traits::*;

use mpi_tutor::trace::{read_trace, EventKind, Op};

#[path = "common/median.rs"]
mod median;
#[path = "common/plain_halo.rs"]
mod plain_halo;
#[path = "common/record.rs"]
mod record;
use median::median;
use plain_halo::plain_halo;
use record::record_lesson;

const WORKER: &str = "MPI_TUTOR_BENCH_HALO";
/// Runs of each scenario and mode; the median is shown.
const RUNS: usize = 5;

fn main() {
    if let Ok(spec) = std::env::var(WORKER) {
        worker(&spec);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets`: building is the test.
    }
    let mpiexec = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".into());
    let dir = tempfile::tempdir().unwrap();
    println!("halo at full speed: first to last exchange, slowest rank, median of {RUNS}");
    println!(
        "{:<34} {:>12} {:>12} {:>9}",
        "scenario", "plain rsmpi", "probe", "overhead"
    );
    // 2 ranks on 2 cores: what recording costs. 4 and 16 ranks: more ranks
    // than cores, the classroom case, where waiting politely pays.
    for (ranks, n, iterations) in [
        (2u32, 256u32, 1000u32),
        (2, 64, 1000),
        (4, 256, 1000),
        (16, 256, 200),
    ] {
        let scenario = (ranks, n, iterations);
        let one_run = |mode: &str, i: usize| one_run(&mpiexec, dir.path(), scenario, mode, i);
        // The two take turns, so a noisy moment of the host hits both.
        let (mut plain, mut probe) = (Vec::new(), Vec::new());
        for i in 0..RUNS {
            plain.push(one_run("plain", i));
            probe.push(one_run("probe", i));
        }
        let (plain, probe) = (median(plain), median(probe));
        println!(
            "{:<34} {:>9.1} ms {:>9.1} ms {:>8.0}%",
            format!("{ranks} ranks, {n}x{n} grid, {iterations} steps"),
            plain * 1e3,
            probe * 1e3,
            (probe / plain - 1.0) * 100.0
        );
    }
}

/// One run of `mode` (`plain` or `probe`) on the scenario (ranks, grid
/// size, iterations); returns its first-to-last-exchange seconds.
fn one_run(mpiexec: &str, dir: &Path, scenario: (u32, u32, u32), mode: &str, i: usize) -> f64 {
    let (ranks, n, iterations) = scenario;
    let trace = dir.join(format!("halo-{ranks}-{n}-{i}.jsonl"));
    // The probe run's stdout is the lesson's log, ~0.8 MB at full
    // speed: it goes to /dev/null, as the plain run has no log.
    // Read by a process on the same 2 cores, it costs the ranks
    // another 10-30% (BENCHMARKS.md).
    let stdout = if mode == "probe" {
        Stdio::null()
    } else {
        Stdio::piped()
    };
    let out = Command::new(mpiexec)
        .args(["-n", &ranks.to_string()])
        .arg(std::env::current_exe().unwrap())
        .env(
            WORKER,
            format!("{mode}:{n}:{iterations}:{}", trace.display()),
        )
        .stdout(stdout)
        .output()
        .expect("mpiexec runs");
    assert!(
        out.status.success(),
        "{mode} halo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if mode == "probe" {
        span_of(&trace)
    } else {
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

/// Slowest rank's span from the end of its first `waitall` (the first
/// halo exchange) to the end of its last, in a recording whose checks all
/// passed.
fn span_of(path: &Path) -> f64 {
    let trace = read_trace(path).expect("the run recorded");
    let n = trace.header.world_size as usize;
    let mut exchanges = vec![(f64::NAN, f64::NAN); n];
    let mut checks = 0;
    for e in &trace.events {
        match &e.event {
            EventKind::End(end) if end.op == Op::Waitall && (e.rank as usize) < n => {
                let (first, last) = &mut exchanges[e.rank as usize];
                if first.is_nan() {
                    *first = e.t;
                }
                *last = e.t;
            }
            EventKind::Check { passed, .. } => {
                assert!(passed, "the lesson's check failed");
                checks += 1;
            }
            _ => {}
        }
    }
    assert_eq!(checks, n, "every rank checks its block");
    exchanges
        .iter()
        .map(|(first, last)| last - first)
        .fold(0.0, f64::max)
}

fn worker(spec: &str) {
    let mut parts = spec.splitn(4, ':');
    let mode = parts.next().unwrap();
    let n: u32 = parts.next().unwrap().parse().unwrap();
    let iterations: u32 = parts.next().unwrap().parse().unwrap();
    let record = parts.next().unwrap();
    if mode == "probe" {
        // The log goes to stdout, which the bench does not read.
        record_lesson("halo", Path::new(record), Some(n), Some(iterations));
    }
    let universe = mpi::initialize().expect("MPI starts");
    let world = universe.world();
    let (span, agrees) = plain_halo(&world, n as usize, iterations);
    assert!(agrees, "plain halo disagrees with the serial computation");
    let mut slowest = 0.0f64;
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        root.reduce_into_root(&span, &mut slowest, SystemOperation::max());
        println!("{slowest}");
    } else {
        root.reduce_into(&span, SystemOperation::max());
    }
}
