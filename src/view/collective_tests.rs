//! Collectives move data on screen: real runs of the broadcast,
//! scatter-gather and reduce lessons (4 ranks, recorded), replayed.

use super::tests::{draw, fixture, text};
use super::*;
use crate::model::Model;
use crate::trace::{EventKind, Op};

/// The model of a recorded lesson after its first `upto` events (all
/// when None).
fn replayed(name: &str, upto: Option<usize>) -> Model {
    let trace = fixture(name);
    let mut m = Model::new(trace.header);
    let n = upto.unwrap_or(trace.events.len());
    for e in &trace.events[..n] {
        m.apply(e);
    }
    m
}

fn screen<'a>(model: &'a Model, lesson: &str, now: f64) -> Screen<'a> {
    let info = LessonInfo::from(crate::lessons::find(lesson).expect("lesson"));
    let mut s = Screen::following(model, info);
    s.status.speed_label = "1x".into();
    s.now = now;
    s
}

fn snap(name: &str, s: &Screen) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(s, w, h)));
    }
}

/// Up to the root's entering the bcast: the other ranks wait in it, the
/// root's data is on its way to each of them.
fn broadcast_mid_flight() -> (Model, f64) {
    let trace = fixture("broadcast");
    let root_in = (trace.events.iter())
        .position(|e| e.rank == 0 && matches!(&e.event, EventKind::Begin(c) if c.op == Op::Bcast))
        .expect("the root's bcast");
    let t = trace.events[root_in].t;
    (replayed("broadcast", Some(root_in + 1)), t + 0.4)
}

#[test]
fn a_broadcast_mid_flight_draws_the_roots_data_going_to_every_rank() {
    let (m, now) = broadcast_mid_flight();
    let s = screen(&m, "broadcast", now);
    let shown = text(&draw(&s, 120, 40));
    // Each arrow carries the root's values (the farthest on the arrow
    // itself, where no side has room).
    assert_eq!(
        shown.matches("bcast · 24 B · [2.0, 0.5, 0.25]").count(),
        3,
        "{shown}"
    );
    assert!(shown.contains("3 collective transfers"), "{shown}");
    snap("broadcast_mid_flight", &s);
}

#[test]
fn without_values_the_arrows_say_only_what_moves() {
    let (m, now) = broadcast_mid_flight();
    let mut s = screen(&m, "broadcast", now);
    s.values = false;
    let shown = text(&draw(&s, 120, 40));
    assert_eq!(shown.matches("bcast · 24 B").count(), 3, "{shown}");
    assert!(!shown.contains("· [2.0"), "{shown}");
}

/// The matrix of a whole run of `lesson`.
fn matrix_of(lesson: &str, fixture_name: &str) -> (Model, String) {
    let m = replayed(fixture_name, None);
    let mut s = screen(&m, lesson, m.now() + 5.0);
    s.main_panel = MainPanel::Matrix;
    let shown = text(&draw(&s, 120, 40));
    (m, shown)
}

#[test]
fn the_matrix_counts_a_broadcast_as_collective_traffic() {
    let (m, shown) = matrix_of("broadcast", "broadcast");
    assert!(shown.contains("3 · 72 B collective"), "{shown}");
    let mut s = screen(&m, "broadcast", m.now() + 5.0);
    s.main_panel = MainPanel::Matrix;
    snap("broadcast_matrix", &s);
}

#[test]
fn the_matrix_counts_scatter_and_gather_as_collective_traffic() {
    let (m, shown) = matrix_of("scatter-gather", "scatter_gather");
    assert!(shown.contains("6 · 192 B collective"), "{shown}");
    let mut s = screen(&m, "scatter-gather", m.now() + 5.0);
    s.main_panel = MainPanel::Matrix;
    snap("scatter_gather_matrix", &s);
}

#[test]
fn the_matrix_counts_reduce_and_allreduce_as_collective_traffic() {
    let (m, shown) = matrix_of("reduce", "reduce");
    assert!(shown.contains("15 · 120 B collective"), "{shown}");
    let mut s = screen(&m, "reduce", m.now() + 5.0);
    s.main_panel = MainPanel::Matrix;
    snap("reduce_matrix", &s);
}

#[test]
fn the_summary_lists_the_bytes_each_collective_moved() {
    let m = replayed("reduce", None);
    let mut s = screen(&m, "reduce", m.now() + 5.0);
    s.show_summary = true;
    let shown = text(&draw(&s, 120, 40));
    assert!(shown.contains("reduce sum"), "{shown}");
    assert!(shown.contains("allreduce sum"), "{shown}");
    snap("reduce_summary", &s);
}
