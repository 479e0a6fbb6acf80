use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Widget;

use super::*;
use crate::model::fixtures::Script;
use crate::model::Model;
use crate::trace::{Op, Source, TagSel};

/// The real lesson, as the live view shows it.
fn lesson() -> LessonInfo<'static> {
    LessonInfo::from(crate::lessons::find("send-recv").expect("send-recv lesson"))
}

pub(super) fn fixture(name: &str) -> crate::trace::Trace {
    let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
    crate::trace::read_trace(Path::new(&path)).expect("fixture")
}

pub(super) fn replay(name: &str) -> Model {
    let trace = fixture(name);
    let mut m = Model::new(trace.header);
    for e in &trace.events {
        m.apply(e);
    }
    m
}

/// Key moments of a recorded run of send-recv on 5 ranks (`--paused`, the
/// teacher let rank 1's receive go first, then rank 0's send).
#[derive(Clone, Copy)]
enum Moment {
    /// Every rank started; ranks 0 and 1 held before their calls.
    Started,
    /// Rank 1 waits in its receive; rank 0 still held before its send.
    Pending,
    /// Rank 0's send has begun.
    InFlight,
    /// Rank 1's receive has completed.
    Delivered,
    /// The whole run.
    Done,
}

/// The model at a moment of the recorded run, and the time of rank 0's send.
fn recorded(at: Moment) -> (Model, f64) {
    use crate::trace::EventKind;
    let trace = fixture("send_recv");
    let begins = |e: &crate::trace::Event, rank: u32| {
        e.rank == rank && matches!(e.event, EventKind::Begin(_))
    };
    let last = match at {
        Moment::Started => trace.events.iter().position(|e| begins(e, 1)).unwrap() - 1,
        Moment::Pending => trace.events.iter().position(|e| begins(e, 1)).unwrap(),
        Moment::InFlight => trace.events.iter().position(|e| begins(e, 0)).unwrap(),
        Moment::Delivered => trace
            .events
            .iter()
            .position(|e| e.rank == 1 && matches!(e.event, EventKind::End(_)))
            .unwrap(),
        Moment::Done => trace.events.len() - 1,
    };
    let sent = trace.events.iter().find(|e| begins(e, 0)).unwrap().t;
    let mut m = Model::new(trace.header);
    for e in &trace.events[..=last] {
        m.apply(e);
    }
    (m, sent)
}

pub(super) fn screen<'a>(model: &'a Model, now: f64) -> Screen<'a> {
    let mut s = Screen::following(model, lesson());
    s.status.speed_label = "1x".into();
    s.now = now;
    s
}

pub(super) fn draw(s: &Screen, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    s.render(buf.area, &mut buf);
    buf
}

/// The buffer as text, one line per row, trailing blanks cut.
pub(super) fn text(buf: &Buffer) -> String {
    let a = buf.area;
    let mut out = String::new();
    for y in a.top()..a.bottom() {
        let row: String = (a.left()..a.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// Where `needle` starts in the buffer.
pub(super) fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let t = text(buf);
    t.lines().enumerate().find_map(|(y, line)| {
        line.find(needle)
            .map(|i| (line[..i].chars().count() as u16, y as u16))
    })
}

pub(super) fn snap(name: &str, s: &Screen) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(s, w, h)));
    }
}

#[test]
fn symbols_are_one_column_wide() {
    let mut buf = Buffer::empty(Rect::new(0, 0, 20, 1));
    buf.set_string(0, 0, "✉⧗▶◀✓⚠─│·→←…x", ratatui::style::Style::new());
    assert_eq!(buf[(12, 0)].symbol(), "x");
}

#[test]
fn snapshot_ranks_started() {
    let (m, _) = recorded(Moment::Started);
    snap("send_recv_started", &screen(&m, m.now()));
}

#[test]
fn snapshot_rank_1_waiting_in_recv() {
    let (m, _) = recorded(Moment::Pending);
    let s = screen(&m, m.now());
    snap("send_recv_pending", &s);
    let buf = draw(&s, 80, 24);
    let t = text(&buf);
    assert!(t.contains("⧗ waiting for"), "{t}");
    assert!(t.contains("held by the"), "{t}");
}

/// Rank 0 held by the tutor before its send, rank 1 waiting in its
/// receive, rank 2 computing between calls.
fn held_waiting_running() -> Model {
    let mut s = Script::new("send_recv", 3);
    s.at(0.1);
    let send = s.send_call(Op::Send, 0, 1, 13, 100, 11);
    s.held(0, &send);
    s.at(0.2);
    s.recv(1, Source::Rank(0), TagSel::Tag(13), 100, 16);
    s.at(0.3);
    s.say(2, "adding up my part");
    s.model()
}

#[test]
fn held_waiting_and_computing_read_apart() {
    let m = held_waiting_running();
    let s = screen(&m, m.now());
    snap("held_waiting_running", &s);
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = draw(&s, w, h);
        let t = text(&buf);
        assert!(t.contains("held by the"), "{t}");
        assert!(t.contains("waiting in"), "{t}");
        assert!(t.contains("running"), "{t}");
        // Each its own colour: held is not waiting.
        let held = find(&buf, "held by the").expect("held word");
        let waiting = find(&buf, "waiting in").expect("waiting word");
        assert_ne!(buf[held].fg, buf[waiting].fg, "{w}x{h}");
    }
    // The summary counts the hold apart from the wait (up to 0.3 s, the
    // latest event).
    let sum = m.summary();
    assert!((sum.held[0] - 0.2).abs() < 1e-9, "{:?}", sum.held);
    assert_eq!(sum.waited[0], 0.0);
    assert!((sum.waited[1] - 0.1).abs() < 1e-9, "{:?}", sum.waited);
    assert_eq!((sum.held[2], sum.waited[2]), (0.0, 0.0), "computing");
}

/// A program built without `-g`: its calls' sites are their functions.
#[test]
fn a_rank_of_a_program_without_lines_names_its_function() {
    let mut s = Script::new("send_recv", 2);
    s.at(0.1);
    let mut send = s.send_call(Op::Send, 0, 1, 13, 100, 0);
    send.site = crate::model::fixtures::site("halo::exchange(double*, int)", 0);
    s.held(0, &send);
    let mut recv = s.recv_call(Op::Recv, 1, Source::Rank(0), TagSel::Tag(13), 100, 0);
    recv.site = crate::model::fixtures::site("main", 0);
    s.begin(1, &recv);
    let m = s.model();
    let mut screen = screen(&m, m.now());
    (screen.lesson.file, screen.lesson.source) = ("", "");
    screen.lesson.explanation = words::NO_LINES;
    let buf = draw(&screen, 120, 40);
    let t = text(&buf);
    assert!(
        t.contains("│halo::exchange(double*, i…│"),
        "cut to its box: {t}"
    );
    assert!(t.contains("│main "), "{t}");
    assert!(!t.contains(":0"), "no line 0: {t}");
    // No source to show: the pane says how to get one, from its top.
    let (x, y) = find(&buf, "┌ source ─").expect("the pane, named without a file");
    let below = text_at(&buf, x + 1, y + 1, 40);
    assert!(below.starts_with(" about"), "{t}");
    let first = text_at(&buf, x + 1, y + 2, 60);
    assert!(
        first.starts_with("This program has no debug information"),
        "{t}"
    );
}

/// `n` cells of row `y` from column `x`.
fn text_at(buf: &Buffer, x: u16, y: u16, n: u16) -> String {
    (x..x + n).map(|x| buf[(x, y)].symbol()).collect()
}

#[test]
fn snapshot_message_in_flight() {
    let (m, sent) = recorded(Moment::InFlight);
    // Half way across.
    let s = screen(&m, sent + FLIGHT_SECONDS / 2.0);
    snap("send_recv_in_flight", &s);
    let t = text(&draw(&s, 120, 40));
    assert!(t.contains("tag 13 · 800 B"), "{t}");
    assert!(t.contains('✉'), "{t}");
}

#[test]
fn the_envelope_moves_from_sender_to_receiver() {
    let (m, sent) = recorded(Moment::InFlight);
    let at = |after: f64| {
        let buf = draw(&screen(&m, sent + after), 120, 40);
        find(&buf, "✉").expect("envelope").0
    };
    assert!(at(0.0) < at(0.25));
    assert!(at(0.25) < at(0.75));
}

#[test]
fn at_a_faster_pace_the_envelope_lands_sooner() {
    let (m, sent) = recorded(Moment::InFlight);
    let envelope = |flight: f64, after: f64| {
        let mut s = screen(&m, sent + after);
        s.flight = flight;
        find(&draw(&s, 120, 40), "✉").expect("envelope").0
    };
    // A quarter-second crossing is over when a one-second one is half way.
    assert!(envelope(0.25, 0.5) > envelope(FLIGHT_SECONDS, 0.5));
    assert_eq!(envelope(0.25, 0.5), envelope(FLIGHT_SECONDS, 2.0));
}

#[test]
fn snapshot_delivered() {
    let (m, sent) = recorded(Moment::Delivered);
    // The receive has completed: no envelope still on its way, however
    // little of its crossing the screen has shown (a replay steps from the
    // send to the receive in a moment; the live view holds the receive's
    // end back until the envelope has crossed).
    let early = text(&draw(&screen(&m, sent + 0.05), 120, 40));
    assert!(early.contains("800 B delivered"), "{early}");
    assert!(!early.contains('✉'), "{early}");
    let s = screen(&m, sent + FLIGHT_SECONDS + 0.2);
    snap("send_recv_delivered", &s);
    assert!(text(&draw(&s, 120, 40)).contains("800 B delivered"));
    // Later the delivered message is gone from the wire.
    let later = sent + FLIGHT_SECONDS + SHOW_DELIVERED_SECONDS + 1.0;
    assert!(!text(&draw(&screen(&m, later), 120, 40)).contains("800 B delivered"));
}

#[test]
fn snapshot_summary() {
    let (m, _) = recorded(Moment::Done);
    let mut s = screen(&m, m.now());
    s.status.mode = Mode::Done;
    s.show_summary = true;
    snap("send_recv_summary", &s);
    let t = text(&draw(&s, 80, 24));
    assert!(t.contains("outcome  completed"), "{t}");
    assert!(t.contains("1 passed"), "{t}");
}

#[test]
fn snapshot_deadlock_banner() {
    // Recorded from the real `deadlock` lesson on 2 ranks.
    let m = replay("deadlock");
    let d = m.deadlock().expect("deadlock");
    let mut s = screen(&m, m.now());
    s.lesson = LessonInfo::from(crate::lessons::find("deadlock").unwrap());
    s.deadlock = Some(&d);
    snap("deadlock", &s);
    let t = text(&draw(&s, 80, 24));
    assert!(
        t.contains("rank 0 recv(from 1, tag 1) lessons/deadlock.rs:21"),
        "{t}"
    );
    assert!(
        t.contains("rank 1 recv(from 0, tag 1) lessons/deadlock.rs:21"),
        "{t}"
    );
}

fn sixty_four() -> Model {
    let mut s = Script::new("allreduce", 64);
    let calls = s.collective(Op::Allreduce, None, &(0..64).collect::<Vec<_>>(), 30);
    for r in 0..64u32 {
        s.at(f64::from(r) * 0.001);
        match r % 4 {
            0 => s.begin(r, &calls[r as usize]),
            1 => {
                s.recv(r, Source::Rank(r - 1), TagSel::Tag(3), 8, 22);
            }
            2 => s.say(r, "computing"),
            _ => s.finish(r),
        }
    }
    s.send(2, 5, 3, 8, 20);
    s.model()
}

#[test]
fn snapshot_64_ranks_compact_grid() {
    let m = sixty_four();
    snap("ranks_64", &screen(&m, m.now()));
    let t = text(&draw(&screen(&m, m.now()), 80, 24));
    assert!(t.contains("63 finished"), "{t}");
    assert!(
        t.contains(" 0 allreduce") || t.contains(" 0 in allreduce"),
        "{t}"
    );
}

#[test]
fn snapshot_too_small() {
    let (m, _) = recorded(Moment::Started);
    let t = text(&draw(&screen(&m, 0.0), 60, 20));
    assert!(t.contains("60x20"), "{t}");
    insta::assert_snapshot!("too_small_60x20", t);
}

#[test]
fn a_waiting_rank_is_yellow_with_colour_and_plain_without() {
    let (m, _) = recorded(Moment::Pending);
    let mut s = screen(&m, m.now());
    let buf = draw(&s, 120, 40);
    let (x, y) = find(&buf, "waiting in").expect("state word");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&buf, "held by the").expect("held word");
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    s.color = false;
    let buf = draw(&s, 120, 40);
    let (x, y) = find(&buf, "waiting in").expect("state word without colour");
    assert_eq!(buf[(x, y)].fg, Color::Reset);
    assert!(buf
        .content()
        .iter()
        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
}

#[test]
fn an_unexpected_message_is_queued_at_its_receiver() {
    let mut s = Script::new("send_recv", 2);
    s.at(0.1);
    let (send, _) = s.send(0, 1, 13, 100, 21);
    s.end(0, &send);
    s.say(1, "busy");
    let m = s.model();
    let buf = draw(&screen(&m, 5.0), 80, 24);
    let (x, _) = find(&buf, "✉ queued: from 0").expect("queued");
    let (rank1, _) = find(&buf, "rank 1").unwrap();
    assert!(x >= rank1 - 2, "queued under rank 1's box");
    // While it travels it is an arrow, not yet queued.
    let t = text(&draw(&screen(&m, 0.2), 80, 24));
    assert!(!t.contains("queued"), "{t}");
    assert!(t.contains("(no recv"), "{t}");
}

#[test]
fn dropped_events_are_shown() {
    let (m, _) = recorded(Moment::Started);
    let mut s = screen(&m, 0.0);
    s.status.dropped = 3;
    s.status.mode = Mode::Paused;
    let t = text(&draw(&s, 80, 24));
    let first = t.lines().next().unwrap();
    assert!(first.contains("3 DROPPED"), "{first}");
    assert!(first.contains("PAUSED"), "{first}");
}

#[test]
fn problems_of_a_replayed_trace_are_shown() {
    let (m, _) = recorded(Moment::Started);
    let mut s = screen(&m, 0.0);
    s.status.trace_problems = 2;
    s.status.mode = Mode::Replay;
    let t = text(&draw(&s, 120, 24));
    let first = t.lines().next().unwrap();
    assert!(
        first.contains("TRACE HAS 2 PROBLEM(S), LISTED ON QUIT"),
        "{first}"
    );
}

#[test]
fn a_stopped_recording_is_shown() {
    let (m, _) = recorded(Moment::Started);
    let mut s = screen(&m, 0.0);
    s.status.recording_stopped = true;
    let t = text(&draw(&s, 80, 24));
    let first = t.lines().next().unwrap();
    assert!(first.contains("RECORDING STOPPED"), "{first}");
}

#[test]
fn lesson_markers_sit_on_the_ranks_lines() {
    let (m, _) = recorded(Moment::Pending);
    let t = text(&draw(&screen(&m, m.now()), 120, 40));
    assert!(
        t.contains("▶0 23         world.send(&data, 1, DATA);"),
        "{t}"
    );
    assert!(
        t.contains("▶1 28         let got = world.recv(&mut data, from, tag);"),
        "{t}"
    );
    assert_eq!(lesson::marker_text(&[0, 1, 2, 3, 5, 7, 8]), "▶0-3 5 7 8");
}

#[test]
fn the_source_pane_names_a_lesson_a_lesson_and_a_program_its_source() {
    let (m, _) = recorded(Moment::Started);
    let t = text(&draw(&screen(&m, 0.0), 120, 40));
    assert!(t.contains(" lesson send_recv.rs "), "{t}");
    let mut s = screen(&m, 0.0);
    s.lesson.file = "/home/student/send_recv.c";
    let t = text(&draw(&s, 120, 40));
    assert!(t.contains(" source send_recv.c "), "{t}");
    assert!(!t.contains(" lesson send_recv"), "{t}");
}

#[test]
fn log_shows_newest_last_and_scrolls() {
    let (m, _) = recorded(Moment::Done);
    let mut s = screen(&m, m.now());
    let t = text(&draw(&s, 120, 40));
    assert!(t.contains("run end  Completed"), "{t}");
    s.log_scroll = 1;
    let t = text(&draw(&s, 120, 40));
    assert!(!t.contains("run end  Completed"), "{t}");
    assert!(t.contains("↑1"), "{t}");
    // Scrolling stops at the oldest line.
    s.log_scroll = 1000;
    let t = text(&draw(&s, 120, 40));
    assert!(t.contains("sending 100 values"), "{t}");
}

#[test]
fn help_lists_every_key() {
    let (m, _) = recorded(Moment::Started);
    let mut s = screen(&m, 0.0);
    s.show_help = true;
    let t = text(&draw(&s, 80, 24));
    for KeyRow { what, .. } in KEYS {
        assert!(t.contains(what), "{what}\n{t}");
    }
}

#[test]
fn wildcard_and_many_messages_do_not_break_boxes() {
    let mut s = Script::new("gather", 4);
    s.recv(0, Source::Any, TagSel::Any, 1, 10);
    for r in 1..4 {
        for _ in 0..4 {
            s.send(r, 0, 5, 1, 20);
        }
    }
    let m = s.model();
    let t = text(&draw(&screen(&m, 0.5), 80, 24));
    assert!(t.contains("more messages"), "{t}");
}

#[test]
fn every_prefix_renders_at_every_size() {
    let mut scripts = vec![
        crate::model::fixtures::send_recv("done"),
        crate::model::fixtures::head_to_head(),
    ];
    let mut ring = Script::new("ring", 7);
    for r in 0..7 {
        ring.at(f64::from(r) * 0.3);
        let (c, _) = ring.send(r, (r + 3) % 7, r as i32, 8, 40);
        if r % 2 == 0 {
            ring.end(r, &c);
        }
    }
    scripts.push(ring);
    let one = Script::new("solo", 1);
    scripts.push(one);
    for s in &scripts {
        for cut in 0..=s.events.len() {
            let mut m = Model::new(s.header.clone());
            for e in &s.events[..cut] {
                m.apply(e);
            }
            let d = m.deadlock();
            for (w, h) in [
                (80, 24),
                (81, 25),
                (100, 30),
                (200, 60),
                (79, 24),
                (20, 5),
                (0, 0),
            ] {
                for now in [0.0, m.now() + 0.3, 100.0] {
                    let mut sc = screen(&m, now);
                    sc.deadlock = d.as_ref();
                    sc.show_help = cut % 3 == 1;
                    sc.show_summary = cut % 3 == 2;
                    sc.log_scroll = cut;
                    sc.source_scroll = if cut % 2 == 0 { None } else { Some(cut * 5) };
                    let _ = draw(&sc, w, h);
                }
            }
        }
    }
    let empty = Model::new(crate::trace::Header::new("none", 0, "t", 0.0));
    let _ = draw(&screen(&empty, 0.0), 80, 24);
}

#[test]
fn help_keeps_the_explanation_structure() {
    let (m, _) = recorded(Moment::Started);
    let mut s = screen(&m, 0.0);
    s.show_help = true;
    let t = text(&draw(&s, 120, 40));
    // A heading alone on its row of the popup: "│ GOAL      │".
    let heading = |h: &str| {
        t.lines().any(|l| {
            l.split_once(&format!("│ {h}")).is_some_and(|(_, rest)| {
                rest.split('│').next().is_some_and(|r| r.trim().is_empty())
            })
        })
    };
    assert!(
        heading("GOAL") && heading("WATCH FOR") && heading("EXERCISES"),
        "{t}"
    );
    assert!(
        t.contains("1. --variant wrong-tag: the recv asks for tag 14."),
        "{t}"
    );
    insta::assert_snapshot!("help_120x40", t);
}
