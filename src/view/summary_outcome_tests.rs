//! The summary's outcome says what the screen shows while the run is still
//! on it: a deadlock with its cycle, a failed rank, the teacher's pause.
//! Real runs, recorded, replayed up to the end they recorded: the overlay
//! must say then what the run recorded at its end.

use super::summary_tests::{fitted_rows, screen, watched_summary};
use super::tests::{draw, fixture, text};
use super::*;
use crate::model::fixtures::crashed;
use crate::model::Model;
use crate::trace::{EventKind, Outcome};

/// The model of a recorded run before its end was recorded, and the
/// outcome and detail it recorded then.
fn before_the_end(name: &str) -> (Model, Outcome, String) {
    let trace = fixture(name);
    let mut m = Model::new(trace.header);
    let mut ended = None;
    for e in &trace.events {
        match &e.event {
            EventKind::RunEnded { outcome, detail } => ended = Some((*outcome, detail.clone())),
            _ => m.apply(e),
        }
    }
    let (outcome, detail) = ended.expect("the run recorded its end");
    (m, outcome, detail)
}

/// A watched program's screen, live.
fn watched<'a>(model: &'a Model, file: &'a str) -> Screen<'a> {
    let mut s = watched_summary(model, file);
    s.status.mode = Mode::Live;
    s
}

/// The outcome as the summary shows it at 80x24 and at 120x40 (the same),
/// its wrapped rows joined.
fn outcome(s: &Screen) -> String {
    let each = [(80, 24), (120, 40)].map(|(w, h)| {
        let rows = fitted_rows(s, w, h);
        let first = rows.iter().position(|r| r.starts_with("outcome  "));
        let first = first.expect("an outcome row");
        let rest = (rows[first + 1..].iter()).take_while(|r| r.starts_with("         "));
        let words: Vec<&str> = std::iter::once(&rows[first])
            .chain(rest)
            .flat_map(|r| r.split_whitespace())
            .collect();
        words.join(" ")
    });
    assert_eq!(each[0], each[1], "the same outcome at either size");
    each[0].clone()
}

#[test]
fn a_live_deadlock_shows_its_cycle_as_the_headless_end_records_it() {
    let (m, recorded, detail) = before_the_end("poll_deadlock");
    assert_eq!(recorded, Outcome::Deadlock);
    let d = m.deadlock().expect("the ranks wait for each other");
    let mut s = watched(&m, "poll_deadlock.c");
    // Until the app has seen it last its grace period, it is not shown.
    assert_eq!(outcome(&s), "outcome still running");
    s.deadlock = Some(&d);
    assert_eq!(outcome(&s), format!("outcome deadlock: {detail}"));
    assert!(detail.contains("polled 4,478,736 times"), "{detail}");
    let shown = text(&draw(&s, 120, 40));
    assert!(shown.contains(" DEADLOCK "), "the status bar says so too");
    insta::assert_snapshot!("summary_live_poll_deadlock_120x40", shown);
}

#[test]
fn the_deadlock_lesson_live_says_deadlock_not_still_running() {
    let (m, _, _) = before_the_end("deadlock");
    let d = m.deadlock().expect("both ranks receive first");
    let mut s = screen(&m, "deadlock");
    s.status.mode = Mode::Live;
    s.deadlock = Some(&d);
    let shown = outcome(&s);
    assert_eq!(
        shown,
        format!("outcome deadlock: {}", words::deadlock_chain(&d))
    );
    assert!(shown.ends_with("waits for rank 0"), "{shown}");
}

#[test]
fn a_failed_rank_on_screen_is_the_outcome_the_run_records() {
    for (fixture, file) in [("crash", "lessons/crash.rs"), ("segfault", "segfault.c")] {
        let (m, recorded, detail) = before_the_end(fixture);
        assert_eq!(recorded, Outcome::RankFailed);
        let s = watched(&m, file);
        assert_eq!(outcome(&s), format!("outcome a rank failed: {detail}"));
        assert!(detail.starts_with("rank 1 failed at "), "{detail}");
        let shown = text(&draw(&s, 120, 40));
        assert!(shown.contains("RANK 1 FAILED"), "the status bar says so");
    }
}

#[test]
fn a_failure_the_others_wait_for_has_the_deadlock_under_it() {
    let m = crashed().model();
    let d = m.deadlock().expect("the others wait for rank 1");
    let mut s = screen(&m, "crash");
    s.status.mode = Mode::Live;
    s.deadlock = Some(&d);
    let shown = outcome(&s);
    let (failure, deadlock) = shown.split_once(" deadlock: ").expect("both");
    assert!(
        failure.starts_with("outcome a rank failed: rank 1 failed at lessons/crash.rs:19"),
        "{shown}"
    );
    assert_eq!(deadlock, words::deadlock_chain(&d));
    assert!(deadlock.ends_with("waits for rank 1, which has ended"));
    insta::assert_snapshot!("summary_live_crash_80x24", text(&draw(&s, 80, 24)));
}

#[test]
fn a_run_the_teacher_paused_says_so() {
    // The recorded run was paced by the teacher: up to rank 0 held before
    // its send.
    let trace = fixture("send_recv");
    let mut held = Model::new(trace.header.clone());
    let at = (trace.events.iter())
        .position(|e| e.rank == 0 && matches!(e.event, EventKind::Held(_)))
        .expect("rank 0 held");
    for e in &trace.events[..=at] {
        held.apply(e);
    }
    let mut s = screen(&held, "send-recv");
    s.status.mode = Mode::Paused;
    assert_eq!(outcome(&s), format!("outcome {}", words::PAUSED_BY_TEACHER));
    s.status.mode = Mode::Live;
    assert_eq!(outcome(&s), "outcome still running");
}
