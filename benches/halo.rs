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
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use mpi_tutor::cli::LessonArgs;
use mpi_tutor::trace::{read_trace, EventKind};

const WORKER: &str = "MPI_TUTOR_BENCH_HALO";
const ALPHA: f64 = 0.2;

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
    for (ranks, n, iterations) in [(4u32, 256u32, 1000u32), (4, 64, 1000), (16, 256, 1000)] {
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
        let args = LessonArgs {
            name: "halo".into(),
            ranks: None,
            headless: true,
            record: Some(record.into()),
            speed: None,
            fast: true,
            paused: false,
            exit_when_done: true,
            explain: false,
            size: Some(n),
            iterations: Some(iterations),
        };
        // The log goes to stdout, which the bench does not read.
        std::process::exit(mpi_tutor::run::lesson(args));
    }
    let universe = mpi::initialize().expect("MPI starts");
    let world = universe.world();
    let span = plain_halo(&world, n as usize, iterations);
    let mut slowest = 0.0f64;
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        root.reduce_into_root(&span, &mut slowest, SystemOperation::max());
        println!("{slowest}");
    } else {
        root.reduce_into(&span, SystemOperation::max());
    }
}

/// The lesson's computation with plain rsmpi: the same decomposition (ranks
/// in a grid as square as possible, row by row), the same stencil, the same
/// exchange (all receives and sends posted, then all waited for), and the
/// same serial self-check. Returns this rank's seconds.
fn plain_halo(world: &SimpleCommunicator, n: usize, iterations: u32) -> f64 {
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let pcols = (1..=size)
        .filter(|c| size % c == 0 && c * c <= size)
        .max()
        .unwrap();
    let prows = size / pcols;
    let (pr, pc) = (rank / pcols, rank % pcols);
    let (r0, r1) = (pr * n / prows, (pr + 1) * n / prows);
    let (c0, c1) = (pc * n / pcols, (pc + 1) * n / pcols);
    let (h, w) = (r1 - r0, c1 - c0);
    let stride = w + 2;
    let hot = |i: usize, j: usize| {
        let (dy, dx) = (
            i as f64 + 0.5 - n as f64 / 2.0,
            j as f64 + 0.5 - n as f64 / 2.0,
        );
        if dx * dx + dy * dy < (n as f64 / 4.0).powi(2) {
            100.0
        } else {
            0.0
        }
    };
    let mut u = vec![0.0f64; (h + 2) * stride];
    for i in 0..h {
        for j in 0..w {
            u[(i + 1) * stride + j + 1] = hot(r0 + i, c0 + j);
        }
    }
    // (neighbour, tag I send with, tag I receive with, my edge, my ghosts)
    let cells = |fixed_row: Option<usize>, fixed_col: Option<usize>| -> Vec<usize> {
        match (fixed_row, fixed_col) {
            (Some(i), _) => (1..=w).map(|j| i * stride + j).collect(),
            (_, Some(j)) => (1..=h).map(|i| i * stride + j).collect(),
            _ => unreachable!(),
        }
    };
    let mut sides = Vec::new();
    if pr > 0 {
        sides.push((
            rank - pcols,
            1,
            2,
            cells(Some(1), None),
            cells(Some(0), None),
        ));
    }
    if pr + 1 < prows {
        sides.push((
            rank + pcols,
            2,
            1,
            cells(Some(h), None),
            cells(Some(h + 1), None),
        ));
    }
    if pc > 0 {
        sides.push((rank - 1, 3, 4, cells(None, Some(1)), cells(None, Some(0))));
    }
    if pc + 1 < pcols {
        sides.push((
            rank + 1,
            4,
            3,
            cells(None, Some(w)),
            cells(None, Some(w + 1)),
        ));
    }
    world.barrier();
    let start = Instant::now();
    let mut next = u.clone();
    for _ in 0..iterations {
        let edges: Vec<Vec<f64>> = sides
            .iter()
            .map(|s| s.3.iter().map(|&k| u[k]).collect())
            .collect();
        let mut ghosts: Vec<Vec<f64>> = sides.iter().map(|s| vec![0.0; s.4.len()]).collect();
        mpi::request::multiple_scope(2 * sides.len(), |scope, coll| {
            for ((side, edge), ghost) in sides.iter().zip(&edges).zip(ghosts.iter_mut()) {
                let peer = world.process_at_rank(side.0 as i32);
                coll.add(peer.immediate_receive_into_with_tag(scope, &mut ghost[..], side.2));
                coll.add(peer.immediate_send_with_tag(scope, &edge[..], side.1));
            }
            let mut statuses = Vec::new();
            coll.wait_all(&mut statuses);
        });
        for (side, ghost) in sides.iter().zip(&ghosts) {
            for (&k, &v) in side.4.iter().zip(ghost) {
                u[k] = v;
            }
        }
        for i in 1..=h {
            for j in 1..=w {
                let k = i * stride + j;
                let around = u[k - stride] + u[k + stride] + u[k - 1] + u[k + 1];
                next[k] = u[k] + ALPHA * (around - 4.0 * u[k]);
            }
        }
        std::mem::swap(&mut u, &mut next);
    }
    let span = start.elapsed().as_secs_f64();
    // The same self-check as the lesson: the whole grid, serially.
    let ws = n + 2;
    let mut whole = vec![0.0f64; ws * ws];
    for i in 0..n {
        for j in 0..n {
            whole[(i + 1) * ws + j + 1] = hot(i, j);
        }
    }
    let mut wnext = whole.clone();
    for _ in 0..iterations {
        for i in 1..=n {
            for j in 1..=n {
                let k = i * ws + j;
                let around = whole[k - ws] + whole[k + ws] + whole[k - 1] + whole[k + 1];
                wnext[k] = whole[k] + ALPHA * (around - 4.0 * whole[k]);
            }
        }
        std::mem::swap(&mut whole, &mut wnext);
    }
    let mut worst = 0.0f64;
    for i in 0..h {
        for j in 0..w {
            let d = u[(i + 1) * stride + j + 1] - whole[(r0 + i + 1) * ws + c0 + j + 1];
            worst = worst.max(d.abs());
        }
    }
    assert!(
        worst < 1e-9,
        "plain halo disagrees with the serial computation"
    );
    span
}
