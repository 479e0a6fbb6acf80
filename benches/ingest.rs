//! Rank 0 under a flood. `cargo bench --bench ingest` prints:
//!
//! 1. what one event costs on the wire: the compact encoding the ranks use
//!    next to JSON (the trace files' format), on a real run;
//! 2. four ranks calling `sendrecv` as fast as they can for a few seconds
//!    while rank 0 takes every event through the session pipeline (causal
//!    order + model) and draws a frame every 33 ms, as the live view does:
//!    events per second rank 0 sustained, events lost, how often the ranks
//!    had to wait for rank 0; next to the same ranks doing the same calls
//!    through plain rsmpi, with nothing recorded.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mpi::traits::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use mpi_tutor::app::session::Session;
use mpi_tutor::probe::{Command as AppCommand, Delivery, Job, JobConfig};
use mpi_tutor::trace::{read_trace, wire, Event, EventKind, Header};
use mpi_tutor::view::{LessonInfo, Screen};

/// Rank 0's settings for the run: unpaced.
const CONFIG: JobConfig = JobConfig {
    gated: false,
    started_unix: 0.0,
};

const WORKER: &str = "MPI_TUTOR_BENCH_FLOOD";
const FLOOD_FOR: Duration = Duration::from_secs(3);
const FRAME_EVERY: Duration = Duration::from_millis(33);

fn main() {
    if let Ok(mode) = std::env::var(WORKER) {
        flood(&mode);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets`: building is the test.
    }
    codec();
    let mpiexec = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".into());
    println!();
    println!("4 ranks flooding rank 0 with sendrecv calls for {FLOOD_FOR:?} (5 ranks on this machine's cores)");
    for mode in ["plain", "probe"] {
        let out = Command::new(&mpiexec)
            .args(["-n", "5"])
            .arg(std::env::current_exe().unwrap())
            .env(WORKER, mode)
            .output()
            .expect("mpiexec runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "flood run failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        print!("{text}");
    }
}

/// Encode + decode cost per event, JSON vs the wire encoding, on the
/// recorded ring run (its events, many times over).
fn codec() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ring.jsonl");
    let one = read_trace(&path).expect("fixture reads").events;
    let events: Vec<Event> = (0..2000).flat_map(|_| one.iter().cloned()).collect();
    let n = events.len() as f64;
    let best = |f: &mut dyn FnMut()| {
        (0..5)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64() / n
            })
            .fold(f64::INFINITY, f64::min)
    };
    let json = serde_json::to_vec(&events).unwrap();
    let mut bin = Vec::new();
    events.iter().for_each(|e| wire::encode(e, &mut bin));
    let json_enc = best(&mut || {
        std::hint::black_box(serde_json::to_vec(&events).unwrap());
    });
    let json_dec = best(&mut || {
        std::hint::black_box(serde_json::from_slice::<Vec<Event>>(&json).unwrap());
    });
    let mut out = Vec::with_capacity(bin.len());
    let bin_enc = best(&mut || {
        out.clear();
        events.iter().for_each(|e| wire::encode(e, &mut out));
        std::hint::black_box(&out);
    });
    let bin_dec = best(&mut || {
        std::hint::black_box(wire::decode(&bin).unwrap());
    });
    println!(
        "one event on the wire ({} events of a recorded ring run)",
        events.len()
    );
    println!(
        "{:<22} {:>10} {:>10} {:>10}",
        "encoding", "bytes", "encode", "decode"
    );
    for (name, bytes, enc, dec) in [
        ("JSON (before)", json.len(), json_enc, json_dec),
        ("wire (now)", bin.len(), bin_enc, bin_dec),
    ] {
        println!(
            "{name:<22} {:>10.1} {:>7.0} ns {:>7.0} ns",
            bytes as f64 / n,
            enc * 1e9,
            dec * 1e9
        );
    }
}

/// One flood run, under mpiexec: ranks 1.. call sendrecv with themselves
/// for `FLOOD_FOR`; rank 0 plays the live app (probe mode) or only waits.
fn flood(mode: &str) {
    let job = Job::init().expect("MPI starts");
    let rank = job.rank();
    let config = job.share_config((rank == 0).then_some(CONFIG));
    let app = (rank == 0).then(|| {
        let (dtx, drx) = mpi_tutor::probe::delivery_channel();
        let (ctx, crx) = std::sync::mpsc::channel();
        let collector = job.start_collector(dtx, crx);
        let size = job.size();
        let app = std::thread::spawn(move || play_app(size, drx, ctx));
        (collector, app)
    });
    let world = mpi::topology::SimpleCommunicator::world();
    if mode == "plain" {
        let calls = if rank == 0 {
            0
        } else {
            plain_calls(&world, rank)
        };
        let sum = mpi::collective::SystemOperation::sum();
        let root = world.process_at_rank(0);
        if rank == 0 {
            let mut total = 0u64;
            root.reduce_into_root(&calls, &mut total, sum);
            println!(
                "  plain rsmpi, nothing recorded:     {:>6.2} M calls/s from the 4 ranks",
                total as f64 / FLOOD_FOR.as_secs_f64() / 1e6
            );
        } else {
            root.reduce_into(&calls, sum);
        }
    }
    let comm = job.lesson_comm(config);
    if rank > 0 && mode == "probe" {
        let mut out = [rank as f64];
        let mut back = [0.0f64];
        let start = Instant::now();
        while start.elapsed() < FLOOD_FOR {
            for _ in 0..64 {
                comm.sendrecv(&out, rank, 5, &mut back, rank, 5);
                out[0] = back[0] + 1.0;
            }
        }
    }
    job.finish(comm);
    if let Some((collector, app)) = app {
        let _ = collector.join();
        let report = app.join().unwrap();
        if mode == "probe" {
            println!("{report}");
        }
    }
}

fn plain_calls(world: &mpi::topology::SimpleCommunicator, rank: u32) -> u64 {
    let me = world.process_at_rank(rank as i32);
    let mut out = [rank as f64];
    let mut back = [0.0f64];
    let mut calls = 0u64;
    let start = Instant::now();
    while start.elapsed() < FLOOD_FOR {
        for _ in 0..64 {
            mpi::request::scope(|s| {
                let r = me.immediate_receive_into_with_tag(s, &mut back[..], 5);
                me.send_with_tag(&out[..], 5);
                r.wait();
            });
            out[0] = back[0] + 1.0;
            calls += 1;
        }
    }
    calls
}

/// Rank 0's app at full speed: every delivery through the session, a frame
/// drawn every 33 ms, until every rank has finished.
fn play_app(
    size: u32,
    deliveries: std::sync::mpsc::Receiver<Delivery>,
    commands: std::sync::mpsc::Sender<AppCommand>,
) -> String {
    let header = Header::new("ring", size, "bench", 0.0);
    let mut session = Session::new(header, None).unwrap();
    let mut buf = Buffer::empty(Rect::new(0, 0, 120, 40));
    let mut last_frame = Instant::now();
    let (mut frames, mut first, mut last) = (0u64, None, Instant::now());
    let mut throttled = 0u64;
    while !session.all_done() {
        let Ok(d) = deliveries.recv_timeout(FRAME_EVERY) else {
            continue;
        };
        if let Delivery::Events(batch) = &d {
            first.get_or_insert_with(Instant::now);
            throttled += batch
                .iter()
                .map(|e| match e.event {
                    EventKind::Finished { throttled, .. } => throttled,
                    _ => 0,
                })
                .sum::<u64>();
        }
        session.take(d);
        last = Instant::now();
        if last_frame.elapsed() >= FRAME_EVERY {
            draw(&session, &mut buf);
            frames += 1;
            last_frame = Instant::now();
        }
    }
    let _ = commands.send(AppCommand::Shutdown);
    let secs = (last - first.unwrap_or(last)).as_secs_f64();
    let received = session.received_total();
    // Each sendrecv is two events (begin, end).
    format!(
        "  probe, recorded, rank 0 drawing:   {:>6.2} M calls/s; rank 0 ingested {:.2} M events/s \
         ({received} events in {secs:.2} s, {frames} frames), {} lost, \
         ranks waited for rank 0 {throttled} times",
        received as f64 / 2.0 / secs / 1e6,
        received as f64 / secs / 1e6,
        session.lost(),
    )
}

fn draw(session: &Session, buf: &mut Buffer) {
    let model = session.model();
    let mut screen = Screen::following(
        model,
        LessonInfo::from(mpi_tutor::lessons::find("ring").unwrap()),
    );
    screen.status.dropped = session.lost();
    buf.reset();
    (&screen).render(buf.area, buf);
}
