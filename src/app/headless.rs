//! The plain-text view: one log line per event in causal order, then a
//! summary. Used with --headless and whenever rank 0 has no terminal.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::pace::{PaceMode, Pacer};
use super::report::{deadlock_text, hosts_text, log_text, no_lines_text, summary_text, verdict};
use super::session::Session;
use super::watch::DeadlockWatch;
use super::{Ending, RunSetup};
use crate::probe::{let_lessons_in, Command, Control, Delivery};
use crate::term::signals;
use crate::trace::Outcome;

/// How long the loop waits for events before it looks at the clock.
const WAIT: Duration = Duration::from_millis(20);

pub fn run(setup: RunSetup, deliveries: Receiver<Delivery>, commands: Sender<Command>) -> Ending {
    let opening = hosts_text(&setup.header).into_iter();
    for line in opening.chain(no_lines_text(&setup.program)) {
        super::out::log(&format!("{line}\n"));
    }
    let session = match Session::new(setup.header, setup.record.as_deref()) {
        Ok(s) => s,
        Err(e) => return Ending::error(super::cannot_record(setup.record.as_deref(), &e)),
    };
    signals::install();
    let pacer = Pacer::new(setup.pace, setup.speed);
    if pacer.mode == PaceMode::Paced {
        // The ranks start stopped; from here each keeps its own pace.
        let _ = commands.send(Command::All(pacer.control()));
    }
    let mut run = Headless {
        session,
        pacer,
        watch: DeadlockWatch::default(),
        started: Instant::now(),
        commands,
    };
    while !run.session.all_done() {
        match deliveries.recv_timeout(WAIT) {
            Ok(d) => run.print(d),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(ending) = run.advance() {
            return ending;
        }
    }
    if run.session.all_done() && run.session.failure().is_none() {
        // Every rank has finished and no view keeps them: they end while
        // the summary is written.
        let _ = run.commands.send(Command::Release);
    }
    run.finish()
}

/// A run shown as a log.
struct Headless {
    session: Session,
    pacer: Pacer,
    watch: DeadlockWatch,
    started: Instant,
    commands: Sender<Command>,
}

impl Headless {
    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Prints the log lines of a delivery's events, in causal order.
    fn print(&mut self, delivery: Delivery) {
        // One write per batch, not per line: at full speed a write per
        // event cost rank 0 more than the rest of its work.
        let mut lines = String::new();
        let shown = self.session.take(delivery);
        let header = self.session.model().header();
        for e in &shown {
            let_lessons_in();
            lines.push_str(&log_text(header, e));
            lines.push('\n');
        }
        super::live::note_held(&mut self.pacer, &shown);
        super::out::log(&lines);
        self.say_recording_note();
    }

    /// Ends the run on a failure, a signal or a deadlock; else lets the
    /// rest of a tick go when its time has come.
    fn advance(&mut self) -> Option<Ending> {
        self.session.tick();
        self.say_recording_note();
        let elapsed = self.elapsed();
        if let Some(ending) = self.session.must_end(elapsed) {
            return Some(ending);
        }
        if let Some(d) = self.watch.check(self.session.model(), Instant::now()) {
            let detail = crate::view::words::deadlock_detail(d);
            super::out::log(&format!("{}\n", deadlock_text(d)));
            self.session.end(Outcome::Deadlock, &detail, elapsed);
            return Some(Ending::abort(
                Outcome::Deadlock,
                format!("deadlock: {detail}"),
            ));
        }
        for rank in self.pacer.due(Instant::now()) {
            let _ = self.commands.send(Command::To(rank, Control::Permit));
        }
        None
    }

    /// Says at once why the recording stopped, if it just did.
    fn say_recording_note(&mut self) {
        if let Some(note) = self.session.recording_note() {
            super::out::say_error(&format!("mpi-tutor: {note}"));
        }
    }

    /// Prints the summary and records the verdict.
    fn finish(mut self) -> Ending {
        let summary = self.session.model().summary();
        let (received, lost) = (self.session.received_total(), self.session.lost());
        super::out::log(&format!("{}\n", summary_text(&summary, received, lost)));
        let (outcome, detail) = verdict(&summary);
        self.session.end(outcome, &detail, self.elapsed());
        self.say_recording_note();
        let message = if outcome == Outcome::Completed {
            String::new()
        } else {
            detail
        };
        Ending::finish(outcome, message)
    }
}
