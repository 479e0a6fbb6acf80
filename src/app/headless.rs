//! The plain-text view: one log line per event in causal order, then a
//! summary. Used with --headless and whenever rank 0 has no terminal.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::pace::{PaceMode, Pacer};
use super::session::Session;
use super::{Ending, RunSetup};
use crate::probe::{Command, Control, Delivery};
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
    let mut pacer = Pacer::new(pace, speed);
    let started = Instant::now();
    let mut checks = (0u32, 0u32);

    while !session.all_done() {
        match deliveries.recv_timeout(Duration::from_millis(20)) {
            Ok(d) => {
                for e in session.take(d) {
                    println!("{}", log_line(&e));
                    match &e.event {
                        EventKind::Held(_) => pacer.held(e.rank),
                        EventKind::Check { passed, .. } => {
                            checks.0 += 1;
                            checks.1 += u32::from(!passed);
                        }
                        _ => {}
                    }
                }
                if let Some(f) = session.failure() {
                    let detail = f.describe();
                    session.end(
                        Outcome::RankFailed,
                        &detail,
                        started.elapsed().as_secs_f64(),
                    );
                    return Ending::abort(Outcome::RankFailed, detail);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if pacer.mode == PaceMode::Paced {
            if let Some(rank) = pacer.due(Instant::now()) {
                let _ = commands.send(Command::To(rank, Control::Permit));
            }
        }
    }

    let lost = session.lost();
    println!(
        "-- {} events from {} ranks{}",
        session.received_total(),
        session.header.world_size,
        if lost == 0 {
            ", none lost".to_string()
        } else {
            format!(", {lost} LOST")
        }
    );
    let (outcome, detail) = if checks.1 > 0 {
        (
            Outcome::CheckFailed,
            format!("{} of {} checks failed", checks.1, checks.0),
        )
    } else {
        (Outcome::Completed, format!("{} checks passed", checks.0))
    };
    println!("-- {detail}");
    session.end(outcome, &detail, started.elapsed().as_secs_f64());
    Ending::finish(outcome, String::new())
}
