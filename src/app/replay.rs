//! `mpi-tutor replay FILE`: a recorded run played back in the same view,
//! no MPI needed. Headless, it prints the log a live headless run of that
//! lesson printed. In the view the teacher steps event by event, forwards
//! and backwards, or plays at a chosen pace.

use std::path::Path;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::Instant;

use super::keymap::{action_for, Action};
use super::report::{deadlock_text, summary_text};
use super::ui::{Painter, Panes, TICK};
use crate::model::Model;
use crate::term::screen::{KeySource, Screen, ScreenTarget};
use crate::term::tty;
use crate::trace::display::log_line;
use crate::trace::{read_trace, Event, EventKind, Outcome, Trace};
use crate::view::{LessonInfo, Mode, StatusInfo};

/// Traces larger than this are refused rather than read into memory.
const MAX_TRACE_BYTES: u64 = 1 << 30;

/// Reads a trace for replay or export; a one-line error otherwise.
pub fn load(path: &Path) -> Result<Trace, String> {
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > MAX_TRACE_BYTES {
            return Err(format!(
                "trace {} is {:.1} GiB; mpi-tutor reads traces up to 1 GiB",
                path.display(),
                meta.len() as f64 / f64::from(1u32 << 30)
            ));
        }
    }
    read_trace(path).map_err(|e| e.to_string())
}

/// Runs the export command; returns the exit code.
pub fn export(args: &crate::cli::ExportArgs) -> i32 {
    let trace = match load(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mpi-tutor: {e}");
            return 2;
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .and_then(|out| crate::export::write_chrome_trace(&trace, out)),
        None => crate::export::write_chrome_trace(&trace, std::io::stdout().lock()),
    };
    if let Err(e) = written {
        eprintln!("mpi-tutor: cannot write the export: {e}");
        return 1;
    }
    if trace.truncated {
        eprintln!(
            "mpi-tutor: trace {} was cut off in its last line; exported what was recorded before it",
            args.file.display()
        );
        return 1;
    }
    0
}

/// Runs the replay command; returns the exit code.
pub fn replay(path: &Path, headless: bool) -> i32 {
    let trace = match load(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mpi-tutor: {e}");
            return 2;
        }
    };
    let code = if headless || tty::own_terminal().is_none() {
        print_log(&trace);
        0
    } else {
        match view(&trace) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("mpi-tutor: {e}");
                1
            }
        }
    };
    if trace.truncated {
        eprintln!(
            "mpi-tutor: trace {} was cut off in its last line; replayed what was recorded before it",
            path.display()
        );
        return code.max(1);
    }
    code
}

/// The events of the ranks, without the run's closing record.
fn rank_events(trace: &Trace) -> impl Iterator<Item = &Event> {
    trace
        .events
        .iter()
        .filter(|e| !matches!(e.event, EventKind::RunEnded { .. }))
}

/// The same lines a live headless run printed, then how it ended.
fn print_log(trace: &Trace) {
    let mut model = Model::new(trace.header.clone());
    for e in &trace.events {
        model.apply(e);
    }
    for e in rank_events(trace) {
        println!("{}", log_line(e));
    }
    let ended = trace.events.iter().rev().find_map(|e| match &e.event {
        EventKind::RunEnded { outcome, detail } => Some((*outcome, detail.clone())),
        _ => None,
    });
    match ended {
        Some((Outcome::Deadlock, _)) => {
            if let Some(d) = model.deadlock() {
                println!("{}", deadlock_text(&d));
            }
        }
        Some((Outcome::Completed | Outcome::CheckFailed, _)) => {
            let received = rank_events(trace).count() as u64;
            println!("{}", summary_text(&model.summary(), received, lost(trace)));
        }
        Some((outcome, detail)) => println!("-- run ended ({outcome:?}): {detail}"),
        None => println!("-- the trace ends without saying how the run ended"),
    }
}

/// Events the ranks said they sent but the trace does not hold.
fn lost(trace: &Trace) -> u64 {
    let n = trace.header.world_size as usize;
    let mut seen = vec![0u64; n];
    let mut said = vec![None; n];
    for e in rank_events(trace) {
        let Some(r) = seen.get_mut(e.rank as usize) else {
            continue;
        };
        *r += 1;
        if let EventKind::Finished { events, .. } = e.event {
            said[e.rank as usize] = Some(events);
        }
    }
    said.iter()
        .zip(&seen)
        .filter_map(|(s, n)| s.map(|s| s.saturating_sub(*n)))
        .sum()
}

/// Where the replay stands: how many events are applied, and whether it
/// plays by itself.
struct Cursor {
    applied: usize,
    playing: bool,
    /// Events per second while playing.
    speed: f64,
    last_step: Instant,
}

const SPEEDS: [f64; 8] = [0.5, 1.0, 2.0, 4.0, 8.0, 32.0, 128.0, 1024.0];

fn view(trace: &Trace) -> Result<(), String> {
    let path = tty::own_terminal().ok_or("no terminal to show the replay on")?;
    let target = ScreenTarget {
        path,
        keys: KeySource::Terminal,
    };
    let screen = Screen::open(&target).map_err(|e| format!("cannot use the terminal: {e}"))?;
    let (tx, keys) = channel();
    screen
        .read_keys(&target.keys, tx)
        .map_err(|e| format!("cannot read keys: {e}"))?;
    let mut painter = Painter::new(&screen)?;
    let lesson = crate::lessons::find(&trace.header.lesson);
    let info = match lesson {
        Some(l) => LessonInfo::from(l),
        None => LessonInfo {
            name: &trace.header.lesson,
            title: "(a lesson this version does not know)",
            file: "",
            source: "",
            explanation: "",
        },
    };
    let mut panes = Panes::new();
    let mut model = Model::new(trace.header.clone());
    let mut cur = Cursor {
        applied: 0,
        playing: false,
        speed: 4.0,
        last_step: Instant::now(),
    };
    let total = trace.events.len();
    let mut dirty = true;
    loop {
        match keys.recv_timeout(TICK) {
            Ok(k) => {
                let Some(a) = action_for(k) else { continue };
                let at_end = cur.applied == total;
                if panes.act(a, &model, info.source, at_end) {
                    dirty = true;
                    continue;
                }
                let at = cur.applied;
                match a {
                    Action::Quit => return Ok(()),
                    Action::TogglePause => cur.playing = !cur.playing,
                    Action::Step => seek(&mut model, trace, &mut cur, at + 1),
                    Action::StepBack => seek(&mut model, trace, &mut cur, at.saturating_sub(1)),
                    Action::JumpStart => seek(&mut model, trace, &mut cur, 0),
                    Action::JumpEnd => seek(&mut model, trace, &mut cur, total),
                    Action::Faster => cur.speed = step_speed(cur.speed, true),
                    Action::Slower => cur.speed = step_speed(cur.speed, false),
                    _ => {}
                }
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        if cur.playing && cur.last_step.elapsed().as_secs_f64() >= 1.0 / cur.speed {
            let next = cur.applied + 1;
            seek(&mut model, trace, &mut cur, next);
            cur.playing &= cur.applied < total;
            dirty = true;
        }
        dirty |= painter.follow_size(&screen);
        if dirty {
            let mode = if cur.applied == total {
                Mode::Done
            } else {
                Mode::Replay
            };
            let status = StatusInfo {
                mode,
                speed_label: format!(
                    "{} · event {}/{total} · {} ev/s",
                    if cur.playing { "playing" } else { "stopped" },
                    cur.applied,
                    cur.speed
                ),
                received: cur.applied as u64,
                dropped: 0,
            };
            // Messages keep moving for a moment after the step that sent them.
            let now = model.now() + cur.last_step.elapsed().as_secs_f64().min(2.0);
            let deadlock = model.deadlock();
            panes.width = painter.width();
            panes.height = painter.height();
            let view = panes.screen(
                &model,
                info,
                status,
                deadlock.as_ref(),
                now,
                cur.applied == total,
            );
            if painter.draw(|f| {
                f.render_widget(&view, f.area());
            })? {
                dirty = false;
            }
        }
    }
}

/// Moves the replay to `target` events applied (rebuilding the model from
/// the start when going back: the model only moves forwards).
fn seek(model: &mut Model, trace: &Trace, cur: &mut Cursor, target: usize) {
    let target = target.min(trace.events.len());
    if target < cur.applied {
        *model = Model::new(trace.header.clone());
        cur.applied = 0;
    }
    for e in &trace.events[cur.applied..target] {
        model.apply(e);
    }
    cur.applied = target;
    cur.last_step = Instant::now();
}

fn step_speed(speed: f64, faster: bool) -> f64 {
    if faster {
        SPEEDS.iter().copied().find(|&s| s > speed).unwrap_or(speed)
    } else {
        SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|&s| s < speed)
            .unwrap_or(speed)
    }
}
