//! Rank 0's costs on a real recorded run: model ingest, the whole session
//! pipeline (causal order + model), and building one frame of the view, at
//! 5 and 64 ranks with a long history. `cargo bench --bench frame`.
//!
//! The traces are recorded here, by this binary started under mpiexec as
//! the `ring` lesson (many laps), exactly as `mpi-tutor lesson ring` would.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use mpi_tutor::model::Model;
use mpi_tutor::trace::{read_trace, CausalOrder, Trace};
use mpi_tutor::view::{LessonInfo, MainPanel, Screen};

#[path = "common/record.rs"]
mod record;
use record::record_lesson;

const WORKER: &str = "MPI_TUTOR_BENCH_RECORD";

fn main() {
    if let Ok(path) = std::env::var(WORKER) {
        record_ring(&path);
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets`: building is the test.
    }
    let dir = tempfile::tempdir().unwrap();
    println!("rank 0 costs on a recorded `ring` run (release build);");
    println!("frame times are one whole screen at 120x40 / 80x24 with that top panel");
    println!(
        "{:<6} {:>7} {:>13} {:>13} {:>15} {:>15} {:>15}",
        "ranks", "events", "model ingest", "pipeline", "world 120x40", "space-time", "matrix"
    );
    for ranks in [5u32, 64] {
        let trace = read_trace(&record(dir.path(), ranks)).unwrap();
        let ingest = per_event(&trace, |t| {
            let mut m = Model::new(t.header.clone());
            t.events.iter().for_each(|e| m.apply(e));
        });
        let pipeline = per_event(&trace, |t| {
            let mut m = Model::new(t.header.clone());
            let mut order = CausalOrder::new();
            for e in &t.events {
                for r in order.push(e.clone()) {
                    m.apply(&r);
                }
            }
        });
        let mut model = Model::new(trace.header.clone());
        trace.events.iter().for_each(|e| model.apply(e));
        let frames = frame_times(&model);
        println!(
            "{:<6} {:>7} {:>13} {:>13} {:>15} {:>15} {:>15}",
            ranks,
            trace.events.len(),
            format!("{:.2} M ev/s", 1e-6 / ingest),
            format!("{:.2} M ev/s", 1e-6 / pipeline),
            frames[0],
            frames[1],
            frames[2],
        );
    }
}

/// Records `ring` on `ranks` ranks under mpiexec, in `dir`.
fn record(dir: &std::path::Path, ranks: u32) -> std::path::PathBuf {
    let path = dir.join(format!("ring{ranks}.jsonl"));
    let laps = if ranks == 5 { 4000 } else { 300 };
    let status = Command::new(std::env::var("MPIEXEC").unwrap_or("mpiexec".into()))
        .args(["-n", &ranks.to_string()])
        .arg(std::env::current_exe().unwrap())
        .env(WORKER, format!("{}:{laps}", path.display()))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "recording failed");
    path
}

/// `big/small ms`: a whole screen at 120x40 and 80x24 with each top panel.
fn frame_times(model: &Model) -> Vec<String> {
    [MainPanel::World, MainPanel::SpaceTime, MainPanel::Matrix]
        .into_iter()
        .map(|panel| {
            let (big, small) = (
                frame_time(model, panel, 120, 40),
                frame_time(model, panel, 80, 24),
            );
            format!("{:.2}/{:.2} ms", big * 1e3, small * 1e3)
        })
        .collect()
}

fn record_ring(spec: &str) {
    let (path, laps) = spec.rsplit_once(':').unwrap();
    record_lesson("ring", Path::new(path), None, Some(laps.parse().unwrap()));
}

/// Seconds per event of `work` over the whole trace (best of 5).
fn per_event(trace: &Trace, work: impl Fn(&Trace)) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            work(trace);
            start.elapsed().as_secs_f64() / trace.events.len() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// Mean seconds to build one frame (the whole screen into a buffer).
fn frame_time(model: &Model, panel: MainPanel, w: u16, h: u16) -> f64 {
    let lesson = mpi_tutor::lessons::find("ring").unwrap();
    let screen = Screen {
        main_panel: panel,
        ..Screen::following(model, LessonInfo::from(lesson))
    };
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    let n = 300;
    let start = Instant::now();
    for _ in 0..n {
        buf.reset();
        (&screen).render(buf.area, &mut buf);
    }
    let t = start.elapsed();
    std::hint::black_box(&buf);
    (t / n).max(Duration::from_nanos(1)).as_secs_f64()
}
