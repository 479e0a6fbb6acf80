//! Ping-pong through the instrumented communicator next to plain rsmpi, in
//! the same run. `cargo bench --bench pingpong` starts itself under mpiexec
//! for each scenario and prints one-way times: 8 B and 1 MiB in short runs
//! (what a lesson's burst costs it; its events wait in its ring), and 8 B
//! sustained for long enough to fill the rings (the rate rank 0 takes
//! events at bounds the probe there).
//!
//! Four modes, all started the same way (the tutor's threads exist in each):
//! - `plain`: rsmpi's blocking calls, what a student's program without
//!   mpi-tutor would do;
//! - `test`: nonblocking calls tested in a tight loop;
//! - `polite`: nonblocking calls waited for with the probe's back-off;
//! - `probe`: the instrumented communicator, every call recorded and sent
//!   to rank 0.
//!
//! `test` and `polite` split the probe's cost: what waiting politely costs
//! (or saves) against what recording costs.

use std::process::Command;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::Instant;

use mpi::traits::*;
use mpi_tutor::probe::{Command as AppCommand, Delivery, Job, JobConfig};
use mpi_tutor::trace::EventKind;

#[path = "common/median.rs"]
mod median;
use median::median;

/// Rank 0's settings for the run: unpaced.
const CONFIG: JobConfig = JobConfig {
    gated: false,
    started_unix: 0.0,
};

const WORKER: &str = "MPI_TUTOR_BENCH_WORKER";

fn main() {
    if let Ok(scenario) = std::env::var(WORKER) {
        worker(&scenario);
        return;
    }
    // `cargo test --all-targets` runs benches once as a smoke test, without
    // `--bench`: building is the test there; measuring is for `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mpiexec = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".into());
    println!("ping-pong, one-way time per message (median of {RUNS} runs of many round trips,");
    println!("{SUSTAINED_RUNS} of the sustained ones;");
    println!("the modes take turns, so a noisy moment of the host hits them alike)");
    println!("(sustained: 8 B for {SUSTAINED} round trips, more than the ranks' event");
    println!("rings hold, so the probe runs at the rate rank 0 takes its events)");
    println!(
        "{:<44} {:>12} {:>12} {:>12}",
        "scenario", "8 B", "1 MiB", "sustained"
    );
    const MODES: [&str; 4] = ["plain", "test", "polite", "probe"];
    // (message size, round trips; 0 for the size's usual count)
    const SIZES: [(usize, usize); 3] = [(8, 0), (1 << 20, 0), (8, SUSTAINED)];
    for (ranks, label) in [
        (2, "2 ranks"),
        (5, "5 ranks on 2 cores, 3 idle in a barrier"),
    ] {
        let mut samples = vec![vec![Vec::new(); SIZES.len()]; MODES.len()];
        for run in 0..RUNS {
            for (m, mode) in MODES.iter().enumerate() {
                for (z, (size, trips)) in SIZES.iter().enumerate() {
                    if *trips > 0 && run >= SUSTAINED_RUNS {
                        continue;
                    }
                    samples[m][z].push(one_run(&mpiexec, &exe, ranks, mode, *size, *trips));
                }
            }
        }
        for (m, mode) in MODES.iter().enumerate() {
            let cells: Vec<String> = samples[m]
                .iter()
                .map(|runs| format!("{:.2} us", median(runs.clone()) * 1e6))
                .collect();
            let name = format!("{label}, {mode}");
            println!(
                "{name:<44} {:>12} {:>12} {:>12}",
                cells[0], cells[1], cells[2]
            );
        }
    }
}

/// One mpiexec run of the worker: seconds per one-way message.
fn one_run(
    mpiexec: &str,
    exe: &std::path::Path,
    ranks: u32,
    mode: &str,
    size: usize,
    trips: usize,
) -> f64 {
    let out = Command::new(mpiexec)
        .args(["-n", &ranks.to_string()])
        .arg(exe)
        .env(WORKER, format!("{mode}:{size}:{trips}"))
        .output()
        .expect("mpiexec runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse::<f64>().unwrap_or_else(|_| {
        panic!(
            "bad worker output: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Runs per figure. The probe's short runs spread widely on a 2-core host,
/// as the ranks now and then wait for a core: in 30 runs of 8 B, medians
/// of 5 in a row ranged from 0.32 to 0.57 us (once 0.91), medians of 15
/// within 10-20% of each other (BENCHMARKS.md, "Ping-pong").
const RUNS: usize = 15;
/// The sustained runs take seconds each and move less.
const SUSTAINED_RUNS: usize = 5;

/// Round trips of the sustained column: ~0.3 s through the probe, 25
/// times what one rank's 4 MiB event ring holds.
const SUSTAINED: usize = 200_000;

fn round_trips(size: usize, asked: usize) -> usize {
    if asked > 0 {
        return asked;
    }
    // For profiling one mode under perf: a longer run.
    if let Some(n) = std::env::var("MPI_TUTOR_BENCH_TRIPS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if size <= 64 {
        20_000
    } else {
        400
    }
}

/// `mode:bytes[:round trips]`, as `main` passes it to the workers.
fn parse(scenario: &str) -> (&str, usize, usize) {
    let mut parts = scenario.split(':');
    let mode = parts.next().unwrap();
    let size: usize = parts.next().unwrap().parse().unwrap();
    let trips: usize = parts.next().map_or(0, |t| t.parse().unwrap());
    (mode, size, trips)
}

fn worker(scenario: &str) {
    let (mode, size, trips) = parse(scenario);
    // `novalues`: the probe without the previews of the values sent.
    mpi_tutor::probe::preview::show_values(mode != "novalues");
    let job = Job::init().expect("MPI starts");
    let rank = job.rank();
    let n = round_trips(size, trips) as u32;

    let config = job.share_config((rank == 0).then_some(CONFIG));
    // Rank 0 drains the events as the app would, so the probe pays its
    // full cost, wire included.
    let collector = (rank == 0).then(|| {
        let (dtx, drx) = mpi_tutor::probe::delivery_channel();
        let (ctx, crx) = channel();
        let handle = job.start_collector(dtx, crx);
        let size = job.size();
        let drain = std::thread::spawn(move || drain(drx, ctx, size));
        (handle, drain)
    });
    let comm = job.lesson_comm(config);
    let mut buf = vec![0.0f64; size / 8];
    let elapsed = if rank > 1 {
        // Idle ranks wait for the others, the way a lesson's idle ranks do.
        if mode == "plain" {
            mpi::topology::SimpleCommunicator::world().barrier();
        } else {
            comm.barrier();
        }
        0.0
    } else {
        let peer = 1 - rank;
        let start = Instant::now();
        for _ in 0..n {
            if mode == "plain" {
                plain_trip(rank, peer, &mut buf);
            } else if mode == "test" || mode == "polite" {
                nonblocking_trip(rank, peer, &mut buf, mode == "polite");
            } else if rank == 0 {
                comm.send(&buf, peer, 1);
                comm.recv(&mut buf, peer, 1);
            } else {
                comm.recv(&mut buf, peer, 1);
                comm.send(&buf, peer, 1);
            }
        }
        let t = start.elapsed().as_secs_f64();
        if job.size() > 2 {
            if mode == "plain" {
                mpi::topology::SimpleCommunicator::world().barrier();
            } else {
                comm.barrier();
            }
        }
        t
    };
    job.finish(comm);
    if let Some((handle, drain)) = collector {
        let _ = drain.join();
        let _ = handle.join();
    }
    if rank == 0 {
        println!("{}", elapsed / (2.0 * f64::from(n)));
    }
}

/// Rank 0's app, as the headless one does it: takes every delivery until
/// each of the `size` ranks has finished, then shuts the collector down.
fn drain(deliveries: Receiver<Delivery>, commands: Sender<AppCommand>, size: u32) {
    // As the headless app does: it runs when no rank wants a core.
    mpi_tutor::probe::give_way_to_lessons();
    let mut finished = 0;
    for d in deliveries {
        match d {
            Delivery::Events(batch) => {
                finished += batch
                    .iter()
                    .filter(|e| matches!(e.event, EventKind::Finished { .. }))
                    .count();
            }
            // It may have held a rank's `Finished`, and the run
            // would then wait for it forever: end the job loudly
            // (the tutor's panic hook aborts every rank).
            Delivery::Undecodable { from, bytes } => {
                panic!("rank {from} sent a batch of {bytes} bytes that does not decode")
            }
        }
        if finished as u32 == size {
            let _ = commands.send(AppCommand::Shutdown);
            return;
        }
    }
}

/// One round trip with rsmpi's blocking calls: rank 0 sends first.
fn plain_trip(rank: u32, peer: u32, buf: &mut [f64]) {
    let world = mpi::topology::SimpleCommunicator::world();
    let p = world.process_at_rank(peer as i32);
    if rank == 0 {
        p.send_with_tag(&buf[..], 1);
        p.receive_into_with_tag(&mut buf[..], 1);
    } else {
        p.receive_into_with_tag(&mut buf[..], 1);
        p.send_with_tag(&buf[..], 1);
    }
}

/// One round trip with rsmpi's nonblocking calls, each tested in a tight
/// loop or waited for politely (the probe's back-off).
fn nonblocking_trip(rank: u32, peer: u32, buf: &mut [f64], polite: bool) {
    let world = mpi::topology::SimpleCommunicator::world();
    let p = world.process_at_rank(peer as i32);
    let send = |buf: &[f64]| {
        mpi::request::scope(|s| {
            let r = p.immediate_send_with_tag(s, buf, 1);
            spin_or_polite(r, polite);
        })
    };
    let recv = |buf: &mut [f64]| {
        mpi::request::scope(|s| {
            let r = p.immediate_receive_into_with_tag(s, buf, 1);
            spin_or_polite(r, polite);
        })
    };
    if rank == 0 {
        send(&buf[..]);
        recv(&mut buf[..]);
    } else {
        recv(&mut buf[..]);
        send(&buf[..]);
    }
}

fn spin_or_polite<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
    mut r: mpi::request::Request<'a, D, S>,
    polite: bool,
) {
    if polite {
        mpi_tutor::probe::wait::wait_politely(r, || {});
        return;
    }
    loop {
        match r.test() {
            Ok(_) => return,
            Err(again) => r = again,
        }
    }
}
