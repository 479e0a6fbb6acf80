//! `mpi-tutor replay FILE`: a recorded run played back in the same view,
//! no MPI needed. Headless, it prints the log a live headless run of that
//! lesson printed. In the view the teacher steps event by event, forwards
//! and backwards, or plays at a chosen pace.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use super::front::FrontEnd;
use super::inputs::{forward, Input, TerminalInputs};
use super::playback::Playback;
use super::report::{deadlock_text, hosts_text, log_text, summary_text};
use super::ui::terminal_painter;
use crate::model::Model;
use crate::term::screen::{KeySource, Screen, ScreenTarget};
use crate::term::tty;
use crate::trace::{load_packed, EventKind, Outcome, PackedTrace};

/// Key presses waiting for the front end.
const INPUT_BACKLOG: usize = 16;

/// Runs the replay command; returns the exit code: a trace whose events
/// contradict themselves (see `trace::check`) is replayed as it is, then
/// what is wrong is said, and the exit code says which.
pub fn replay(path: &Path, headless: bool) -> i32 {
    let trace = match load_packed(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mpi-tutor: {e}");
            return 2;
        }
    };
    let truncated = trace.truncated;
    let check = trace.check.clone();
    let code = if headless || tty::own_terminal().is_none() {
        match print_log(&trace, &mut std::io::stdout().lock()) {
            Ok(()) => 0,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Err(e) => {
                eprintln!("mpi-tutor: cannot write the log: {e}");
                1
            }
        }
    } else {
        match view(trace) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("mpi-tutor: {e}");
                1
            }
        }
    };
    // Said after the view has closed, so the lines stay on the screen.
    for line in check.lines(&path.display().to_string()) {
        eprintln!("mpi-tutor: {line}");
    }
    let code = code.max(check.exit_code);
    if truncated {
        eprintln!(
            "mpi-tutor: trace {} was cut off in its last line; replayed what was recorded before it",
            path.display()
        );
        return code.max(1);
    }
    code
}

/// The same lines a live headless run printed, then how it ended: one pass
/// over the events.
fn print_log(trace: &PackedTrace, out: &mut impl Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut model = Model::new(trace.header.clone());
    let n = trace.header.world_size as usize;
    // Events the ranks said they sent (Finished), and the events seen.
    let mut said = vec![None; n];
    let mut seen = vec![0u64; n];
    let mut received = 0u64;
    let mut ended = None;
    if let Some(line) = hosts_text(&trace.header) {
        writeln!(out, "{line}")?;
    }
    for e in trace.events.iter() {
        match &e.event {
            EventKind::RunEnded { outcome, detail } => ended = Some((*outcome, detail.clone())),
            kind => {
                writeln!(out, "{}", log_text(&trace.header, &e))?;
                received += 1;
                if let Some(r) = seen.get_mut(e.rank as usize) {
                    *r += 1;
                    if let EventKind::Finished { events, .. } = kind {
                        said[e.rank as usize] = Some(*events);
                    }
                }
            }
        }
        model.apply_owned(e);
    }
    let lost = said
        .iter()
        .zip(&seen)
        .filter_map(|(s, n)| s.map(|s| s.saturating_sub(*n)))
        .sum();
    match ended {
        Some((Outcome::Deadlock, _)) => {
            if let Some(d) = model.deadlock() {
                writeln!(out, "{}", deadlock_text(&d))?;
            }
        }
        Some((Outcome::Completed | Outcome::CheckFailed, _)) => {
            writeln!(out, "{}", summary_text(&model.summary(), received, lost))?;
        }
        Some((outcome, detail)) => writeln!(out, "-- run ended ({outcome:?}): {detail}")?,
        None => writeln!(out, "-- the trace ends without saying how the run ended")?,
    }
    out.flush()
}

/// Shows the replay on the terminal until the user quits.
fn view(trace: PackedTrace) -> Result<(), String> {
    let path = tty::own_terminal().ok_or("no terminal to show the replay on")?;
    let target = ScreenTarget {
        path,
        keys: KeySource::Terminal,
    };
    let screen = Screen::open(&target).map_err(|e| format!("cannot use the terminal: {e}"))?;
    let (tx, inputs) = sync_channel(INPUT_BACKLOG);
    screen
        .read_keys(&target.keys, forward(tx, Input::Key))
        .map_err(|e| format!("cannot read keys: {e}"))?;
    let painter = terminal_painter(&screen)?;
    let playback = Playback::new(trace, Instant::now());
    FrontEnd::new(playback, painter).run(&mut TerminalInputs::new(inputs, &screen))
}
