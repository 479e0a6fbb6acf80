//! The plain-text view: one log line per event in causal order, then a
//! summary. Used with --headless and whenever rank 0 has no terminal.

use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::pace::{PaceMode, Pacer};
use super::report::{deadlock_text, summary_text, verdict};
use super::session::Session;
use super::watch::DeadlockWatch;
use super::{Ending, RunSetup};
use crate::probe::{let_lessons_in, Command, Control, Delivery};
use crate::term::signals;
use crate::trace::display::log_line;
use crate::trace::{EventKind, Outcome};

pub fn run(setup: RunSetup, deliveries: Receiver<Delivery>, commands: Sender<Command>) -> Ending {
    let RunSetup {
        header,
        record,
        pace,
        speed,
        ..
    } = setup;
    let mut session = match Session::new(header, record.as_deref()) {
        Ok(s) => s,
        Err(e) => return Ending::error(format!("cannot record: {e}")),
    };
    signals::install();
    let mut pacer = Pacer::new(pace, speed);
    let mut watch = DeadlockWatch::default();
    let started = Instant::now();
    let elapsed = || started.elapsed().as_secs_f64();

    while !session.all_done() {
        match deliveries.recv_timeout(Duration::from_millis(20)) {
            Ok(d) => {
                // One write per batch, not per line: at full speed a write
                // per event cost rank 0 more than the rest of its work.
                let mut lines = String::new();
                for e in session.take(d) {
                    let_lessons_in();
                    lines.push_str(&log_line(&e));
                    lines.push('\n');
                    if let EventKind::Held(_) = e.event {
                        pacer.held(e.rank);
                    }
                }
                let _ = std::io::stdout().lock().write_all(lines.as_bytes());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        session.tick();
        if let Some(ending) = session.must_end(elapsed()) {
            return ending;
        }
        if let Some(d) = watch.check(session.model(), Instant::now()) {
            let detail = crate::view::words::deadlock_chain(d);
            println!("{}", deadlock_text(d));
            session.end(Outcome::Deadlock, &detail, elapsed());
            return Ending::abort(Outcome::Deadlock, format!("deadlock: {detail}"));
        }
        if pacer.mode == PaceMode::Paced {
            if let Some(rank) = pacer.due(Instant::now()) {
                let _ = commands.send(Command::To(rank, Control::Permit));
            }
        }
    }

    let summary = session.model().summary();
    println!(
        "{}",
        summary_text(&summary, session.received_total(), session.lost())
    );
    let (outcome, detail) = verdict(&summary);
    session.end(outcome, &detail, elapsed());
    let message = if outcome == Outcome::Completed {
        String::new()
    } else {
        detail
    };
    Ending::finish(outcome, message)
}
