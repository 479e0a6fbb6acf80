//! The `halo` lesson at full speed, recorded through the probe, next to the
//! same computation written with plain rsmpi and nothing recorded, in the
//! same run. `cargo bench --bench halo`.
//!
//! Both time the same span on every rank, the iterations (exchange + step),
//! and report the slowest rank; both then check their result against the
//! serial computation, untimed. The probe run is the real lesson, started
//! as `mpi-tutor lesson halo --headless --fast --record`, heat-map
//! snapshots included; its span is read from the recorded trace: from the
//! rank's first event to the end of its last MPI call.

use std::path::Path;
use std::process::Command;

use mpi::collective::SystemOperation;
use mpi::traits::*;

use mpi_tutor::trace::{read_trace, EventKind};

#[path = "common/plain_halo.rs"]
mod plain_halo;
#[path = "common/record.rs"]
mod record;
use plain_halo::plain_halo;
use record::record_lesson;

const WORKER: &str = "MPI_TUTOR_BENCH_HALO";

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
    println!("halo at full speed: time of the iterations, slowest rank, median of 3");
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
        let run = |mode: &str| {
            let mut times: Vec<f64> = (0..3)
                .map(|i| {
                    let trace = dir.path().join(format!("halo-{ranks}-{n}-{i}.jsonl"));
                    let out = Command::new(&mpiexec)
                        .args(["-n", &ranks.to_string()])
                        .arg(std::env::current_exe().unwrap())
                        .env(
                            WORKER,
                            format!("{mode}:{n}:{iterations}:{}", trace.display()),
                        )
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
                })
                .collect();
            times.sort_by(f64::total_cmp);
            times[1]
        };
        let (plain, probe) = (run("plain"), run("probe"));
        println!(
            "{:<34} {:>9.1} ms {:>9.1} ms {:>8.0}%",
            format!("{ranks} ranks, {n}x{n} grid, {iterations} steps"),
            plain * 1e3,
            probe * 1e3,
            (probe / plain - 1.0) * 100.0
        );
    }
}

/// Slowest rank's span from its first event to the end of its last call,
/// in a recording whose checks all passed.
fn span_of(path: &Path) -> f64 {
    let trace = read_trace(path).expect("the run recorded");
    let n = trace.header.world_size as usize;
    let mut first = vec![f64::NAN; n];
    let mut last_end = vec![f64::NAN; n];
    let mut checks = 0;
    for e in &trace.events {
        let r = e.rank as usize;
        if r >= n {
            continue;
        }
        if first[r].is_nan() {
            first[r] = e.t;
        }
        match e.event {
            EventKind::End(_) => last_end[r] = e.t,
            EventKind::Check { passed, .. } => {
                assert!(passed, "the lesson's check failed");
                checks += 1;
            }
            _ => {}
        }
    }
    assert_eq!(checks, n, "every rank checks its block");
    first
        .iter()
        .zip(&last_end)
        .map(|(a, b)| b - a)
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
