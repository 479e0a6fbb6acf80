//! The space-time diagram and the communication matrix, alone and in the
//! screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::tests::{draw, find, replay, screen, text};
use super::*;
use crate::model::fixtures::Script;
use crate::model::Model;
use crate::trace::{Source, TagSel};

fn spacetime(m: &Model, view: SpaceTimeView, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    SpaceTime {
        model: m,
        view,
        focused: true,
        theme: Theme::new(true),
    }
    .render(buf.area, &mut buf);
    buf
}

fn matrix(m: &Model, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    Matrix {
        model: m,
        focused: true,
        theme: Theme::new(true),
    }
    .render(buf.area, &mut buf);
    buf
}

fn snap(name: &str, draw: impl Fn(u16, u16) -> Buffer) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(w, h)));
    }
}

/// The column of the first `needle` on row `y`.
fn column_in_row(buf: &Buffer, y: u16, needle: &str) -> Option<u16> {
    (0..buf.area.width).find(|&x| buf[(x, y)].symbol() == needle)
}

/// The row whose label is rank `r` (labels are right-aligned numbers).
fn rank_row(buf: &Buffer, r: u32) -> u16 {
    let t = text(buf);
    t.lines()
        .position(|l| l.split_whitespace().next() == Some(&r.to_string()))
        .expect("rank row") as u16
}

#[test]
fn snapshot_spacetime_send_recv() {
    let m = replay("send_recv");
    snap("spacetime_send_recv", |w, h| {
        spacetime(&m, SpaceTimeView::default(), w, h)
    });
    let buf = spacetime(&m, SpaceTimeView::default(), 80, 24);
    let t = text(&buf);
    assert!(t.contains("1 column = 50 ms · whole run"), "{t}");
    // Rank 1 waited in its receive (▒) and the message arrived from above.
    let y1 = rank_row(&buf, 1);
    let arrival = column_in_row(&buf, y1, "▼").expect("arrival");
    assert_eq!(buf[(arrival - 1, y1)].symbol(), "▒", "{t}");
    assert_eq!(buf[(arrival, y1 - 1)].symbol(), "│", "{t}");
}

#[test]
fn snapshot_spacetime_ring() {
    let m = replay("ring");
    snap("spacetime_ring", |w, h| {
        spacetime(&m, SpaceTimeView::default(), w, h)
    });
    let t = text(&spacetime(&m, SpaceTimeView::default(), 120, 40));
    let diagram: String = t.lines().filter(|l| !l.contains("waiting")).collect();
    // Two laps: every rank gets the token twice; rank 0 from below.
    assert_eq!(diagram.matches('▼').count(), 6, "{t}");
    assert_eq!(diagram.matches('▲').count(), 2, "{t}");
}

#[test]
fn a_receive_whose_clock_is_behind_is_drawn_after_its_send() {
    let mut s = Script::new("skew", 2);
    s.at(0.1);
    let recv = s.recv(1, Source::Rank(0), TagSel::Tag(1), 1, 5);
    s.at(1.0);
    let (send, id) = s.send(0, 1, 1, 1, 4);
    s.at(1.2);
    s.end(0, &send);
    // Rank 1's clock says its receive ended at 0.3 s, before the send.
    s.at(0.3);
    s.end_received(1, &recv, &[(recv.id, id)]);
    s.at(0.4);
    s.finish(1);
    s.at(1.3);
    s.finish(0);
    let m = s.model();
    let buf = spacetime(&m, SpaceTimeView::default(), 80, 24);
    let t = text(&buf);
    let (y0, y1) = (rank_row(&buf, 0), rank_row(&buf, 1));
    let send_at = column_in_row(&buf, y0 + 1, "╰")
        .or_else(|| column_in_row(&buf, y0 + 1, "│"))
        .expect("the message leaves rank 0");
    let arrival = column_in_row(&buf, y1, "▼").expect("arrival");
    assert!(arrival >= send_at, "{t}");
    // The send began in the column of 1.0 s; the receive ends there too,
    // not back at 0.3 s, and rank 1 went on from there.
    let (per, offset) = SpaceTimeView::default().window(&m, 80);
    let col = |t: f64| ((t - offset) / per).floor() as u16 + 2;
    assert_eq!(send_at, col(1.0), "{t}");
    assert_eq!(arrival, col(1.0), "{t}");
    assert!(column_in_row(&buf, y1, "─").is_some(), "{t}");
}

#[test]
fn zoom_and_scroll_choose_the_time_shown() {
    let m = replay("send_recv");
    let mut v = SpaceTimeView::default();
    let (fit, _) = v.window(&m, 80);
    v.zoom_in(&m, 80);
    assert_eq!(v.window(&m, 80).0, fit / 2.0);
    v.zoom_out(&m, 80);
    assert_eq!(v, SpaceTimeView::default(), "back to the whole run");
    v.scroll(&m, 80, -5);
    assert_eq!(v.window(&m, 80), (fit, 0.0), "not before the start");
    v.scroll(&m, 80, 10);
    assert_eq!(v.offset, 10.0 * fit);

    // Close up on the message: 100 µs a column from just before the send.
    let close = SpaceTimeView {
        zoom: Some(1e-4),
        offset: 3.582,
        ..Default::default()
    };
    let buf = spacetime(&m, close, 80, 24);
    let t = text(&buf);
    assert!(t.contains("1 column = 100 µs · zoomed"), "{t}");
    assert!(t.contains("╵3.584 s"), "{t}");
    let y1 = rank_row(&buf, 1);
    let y0 = rank_row(&buf, 0);
    let sent = column_in_row(&buf, y0 + 1, "╰").expect("leaves rank 0");
    let arrived = column_in_row(&buf, y1, "▼").expect("arrives at rank 1");
    assert!(arrived > sent + 10, "2.7 ms later: {t}");
    // Scrolled past the run: nothing but the axis.
    let later = SpaceTimeView {
        zoom: Some(1e-4),
        offset: 10.0,
        ..Default::default()
    };
    let buf = spacetime(&m, later, 80, 24);
    let t = text(&buf);
    assert!(t.contains("╵10.002 s"), "{t}");
    for r in 0..5 {
        let y = rank_row(&buf, r);
        assert_eq!(column_in_row(&buf, y, "▒"), None, "{t}");
    }
}

#[test]
fn snapshot_matrix() {
    for f in ["send_recv", "ring"] {
        let m = replay(f);
        snap(&format!("matrix_{f}"), |w, h| matrix(&m, w, h));
    }
    let t = text(&matrix(&replay("ring"), 80, 24));
    assert!(t.contains("8 · 64 B"), "{t}");
    assert!(t.contains(" 2 · 16 B "), "{t}");
}

#[test]
fn the_matrix_shades_by_bytes() {
    let mut s = Script::new("uneven", 3);
    s.send(0, 1, 1, 100, 1);
    s.send(1, 2, 1, 10, 1);
    let m = s.model();
    let buf = matrix(&m, 80, 24);
    let t = text(&buf);
    // 800 B is the most: full shade; 80 B a tenth: the lightest.
    assert!(t.contains('█') && t.contains('░'), "{t}");
    assert!(!t.contains('▒') && !t.contains('▓'), "{t}");
    let (x, y) = find(&buf, "█").unwrap();
    assert_eq!(buf[(x, y)].fg, ratatui::style::Color::Red);
}

fn many(n: u32) -> Model {
    let mut s = Script::new("many", n);
    for r in 0..n {
        s.at(f64::from(r) * 0.001);
        let (c, id) = s.send(r, (r + 1) % n, 0, 1 + u64::from(r), 10);
        s.end(r, &c);
        let to = (r + 1) % n;
        let recv = s.recv(to, Source::Rank(r), TagSel::Tag(0), 1, 11);
        s.at(f64::from(r) * 0.001 + 0.0005);
        s.end_received(to, &recv, &[(recv.id, id)]);
    }
    s.model()
}

#[test]
fn sixty_four_ranks_share_cells_and_rows() {
    let m = many(64);
    let t = text(&matrix(&m, 80, 24));
    assert!(t.contains("0-3"), "ranks share cells: {t}");
    assert!(t.contains("64 · "), "{t}");
    insta::assert_snapshot!("matrix_64_80x24", t);
    let t = text(&spacetime(&m, SpaceTimeView::default(), 80, 24));
    assert!(t.contains("more ranks"), "{t}");
    let t = text(&spacetime(&m, SpaceTimeView::default(), 200, 80));
    assert!(t.contains("63 "), "{t}");
}

#[test]
fn the_screen_shows_the_chosen_panel() {
    let m = replay("ring");
    let mut s = screen(&m, m.now());
    assert!(text(&draw(&s, 80, 24)).contains(" world "));
    s.main_panel = MainPanel::SpaceTime;
    let t = text(&draw(&s, 80, 24));
    assert!(t.contains(" space-time ") && !t.contains(" world "), "{t}");
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("screen_spacetime_ring_{w}x{h}"),
            text(&draw(&s, w, h))
        );
    }
    s.main_panel = MainPanel::Matrix;
    let t = text(&draw(&s, 80, 24));
    assert!(
        t.contains(" messages · sender") && !t.contains(" world "),
        "{t}"
    );
    // Without colour the shades and glyphs still say it all.
    s.color = false;
    for panel in [MainPanel::SpaceTime, MainPanel::Matrix] {
        s.main_panel = panel;
        let buf = draw(&s, 80, 24);
        assert!(buf
            .content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset));
    }
}

#[test]
fn panels_render_every_prefix_at_every_size() {
    let mut scripts = vec![
        crate::model::fixtures::send_recv("done"),
        crate::model::fixtures::head_to_head(),
        Script::new("solo", 1),
    ];
    let ring = super::tests::fixture("ring");
    let mut r = Script::new("ring", 4);
    r.header = ring.header;
    r.events = ring.events;
    scripts.push(r);
    for s in &scripts {
        for cut in 0..=s.events.len() {
            let mut m = Model::new(s.header.clone());
            for e in &s.events[..cut] {
                m.apply(e);
            }
            for (w, h) in [
                (80, 24),
                (120, 40),
                (20, 5),
                (3, 3),
                (1, 1),
                (0, 0),
                (200, 3),
            ] {
                for view in [
                    SpaceTimeView::default(),
                    SpaceTimeView {
                        zoom: Some(1e-6),
                        offset: 0.001,
                        ..Default::default()
                    },
                    SpaceTimeView {
                        zoom: Some(f64::NAN),
                        offset: -1.0,
                        ..Default::default()
                    },
                ] {
                    let _ = spacetime(&m, view, w, h);
                }
                let _ = matrix(&m, w, h);
            }
        }
    }
    let empty = Model::new(crate::trace::Header::new("none", 0, "t", 0.0));
    let _ = spacetime(&empty, SpaceTimeView::default(), 80, 24);
    let _ = matrix(&empty, 80, 24);
}

#[test]
fn a_message_in_flight_is_dashed_and_open_calls_run_to_now() {
    let m = crate::model::fixtures::send_recv("in_flight").model();
    let buf = spacetime(&m, SpaceTimeView::default(), 80, 24);
    let t = text(&buf);
    let y0 = rank_row(&buf, 0);
    // It left rank 0 (just now: straight down) and has not arrived.
    assert!(column_in_row(&buf, y0 + 1, "│").is_some(), "{t}");
    assert_eq!(column_in_row(&buf, rank_row(&buf, 1), "▼"), None, "{t}");
    // Zoomed out, it runs along towards now as a dashed line.
    let later = crate::model::fixtures::send_recv("in_flight");
    let mut m2 = Model::new(later.header.clone());
    for e in &later.events {
        m2.apply(e);
    }
    m2.apply(&crate::trace::Event {
        rank: 2,
        seq: 3,
        t: 2.5,
        event: crate::trace::EventKind::Say { text: "x".into() },
    });
    let t2 = text(&spacetime(&m2, SpaceTimeView::default(), 80, 24));
    assert!(t2.contains("╰┄┄"), "{t2}");
    // Both ranks are still in their calls: waiting up to the latest time.
    let (per, offset) = SpaceTimeView::default().window(&m, 80);
    let now_col = ((m.timeline().now() - offset) / per).floor() as u16 + 2;
    for r in [0, 1] {
        let y = rank_row(&buf, r);
        assert_eq!(buf[(now_col, y)].symbol(), "▒", "rank {r}: {t}");
    }

    let m = replay("deadlock");
    let buf = spacetime(&m, SpaceTimeView::default(), 80, 24);
    let t = text(&buf);
    for r in [0, 1] {
        let y = rank_row(&buf, r);
        assert!(column_in_row(&buf, y, "▒").is_some(), "rank {r}: {t}");
    }
}

/// `ring` on 64 ranks, one lap, recorded at full speed.
fn ring64() -> Model {
    replay("ring64")
}

#[test]
fn snapshot_spacetime_ring_64() {
    let m = ring64();
    snap("spacetime_ring64", |w, h| {
        spacetime(&m, SpaceTimeView::default(), w, h)
    });
    // 22 rows below the title and axis: 21 ranks and a line saying how to
    // see the others; the title says which are shown.
    let t = text(&spacetime(&m, SpaceTimeView::default(), 80, 24));
    assert!(t.contains("· ranks 0–20 of 64 "), "{t}");
    assert!(t.contains("… 43 more ranks: ↑↓ PgUp PgDn"), "{t}");
    // Rank 0 waits for the token from rank 63, out of view below: the
    // arrival still shows, pointing down the ring.
    let buf = spacetime(&m, SpaceTimeView::default(), 80, 24);
    assert!(column_in_row(&buf, rank_row(&buf, 0), "▲").is_some(), "{t}");
}

#[test]
fn the_ranks_of_the_space_time_diagram_scroll() {
    let m = ring64();
    let mut v = SpaceTimeView::default();
    v.scroll_ranks(&m, 24, 20);
    assert_eq!(v.first_rank, 20);
    let buf = spacetime(&m, v, 80, 24);
    let t = text(&buf);
    assert!(t.contains("· ranks 20–40 of 64 "), "{t}");
    let first = t.lines().nth(2).unwrap();
    assert!(first.starts_with("20 "), "{t}");
    // Rank 20's token came from rank 19, scrolled out above.
    assert!(column_in_row(&buf, 2, "▼").is_some(), "{t}");
    insta::assert_snapshot!("spacetime_ring64_from_20_80x24", t);
    // No further than the last rank in view, and back to rank 0.
    v.scroll_ranks(&m, 24, 1000);
    assert_eq!(v.first_rank, 64 - 21);
    v.scroll_ranks(&m, 24, -1);
    assert_eq!(v.first_rank, 42);
    v.scroll_ranks(&m, 24, -1000);
    assert_eq!(v.first_rank, 0);
    // A taller panel shows more ranks, so stops sooner; all fit: no scroll.
    v.first_rank = 60;
    let t = text(&spacetime(&m, v, 120, 40));
    assert!(t.contains("· ranks 27–63 of 64 "), "{t}");
    v.scroll_ranks(&m, 200, 5);
    assert_eq!(v.first_rank, 0);
}

#[test]
fn the_summary_of_64_ranks_keeps_its_checks_on_screen() {
    let m = ring64();
    let mut s = screen(&m, m.now());
    s.show_summary = true;
    let t = text(&draw(&s, 80, 24));
    assert!(t.contains("checks   64 passed, 0 failed"), "{t}");
    assert!(t.contains(" longest "), "{t}");
    assert!(t.contains(" all 64 ranks: "), "{t}");
    insta::assert_snapshot!("summary_ring64_80x24", t);
}

#[test]
fn halo_at_8_ranks_gives_every_message_a_line_of_its_own() {
    let m = replay("halo8");
    let messages = m.timeline().links().len();
    assert!(
        messages >= 40,
        "halo exchanges with both neighbours: {messages}"
    );
    // Alone, and at the panel's size in an 80x24 and a 120x40 screen.
    for (w, h) in [(80, 24), (120, 40), (200, 60), (80, 12), (120, 20)] {
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        let st = SpaceTime {
            model: &m,
            view: SpaceTimeView::default(),
            focused: true,
            theme: Theme::new(false),
        };
        let shared = st.draw(buf.area, &mut buf);
        assert_eq!(shared, 0, "{w}x{h}: messages share a line:\n{}", text(&buf));
        // Every message shown arrives with an arrow of its own.
        let t = text(&buf);
        let arrows = t.matches('▼').count() + t.matches('▲').count();
        assert!(arrows > 8, "{w}x{h}:\n{t}");
    }
    snap("spacetime_halo8", |w, h| {
        spacetime(&m, SpaceTimeView::default(), w, h)
    });
}

/// The rows of the rank labels `0` and `1` on a screen.
fn label_rows(t: &str) -> (usize, usize) {
    let row = |r: &str| {
        t.lines()
            .position(|l| l.split_whitespace().next() == Some(r))
            .expect("rank label")
    };
    (row("0"), row("1"))
}

/// The whole screen showing the space-time diagram of `m`, at 80x24 and
/// 120x40, each snapshotted as `screen_spacetime_{name}_{size}`.
fn spacetime_screens(m: &Model, name: &str) -> [String; 2] {
    let mut s = screen(m, m.now());
    s.main_panel = MainPanel::SpaceTime;
    [(80, 24), (120, 40)].map(|(w, h)| {
        let t = text(&draw(&s, w, h));
        insta::assert_snapshot!(format!("screen_spacetime_{name}_{w}x{h}"), t);
        t
    })
}

#[test]
fn halo_at_8_and_ring_at_16_are_readable_on_the_screen() {
    // Halo's grid neighbours are 4 ranks apart: on a short screen its
    // ranks keep their free rows for the lines (and scroll) rather than
    // lines running through the ranks between.
    let halo = replay("halo8");
    let [small, large] = spacetime_screens(&halo, "halo8");
    for t in [&small, &large] {
        let (r0, r1) = label_rows(t);
        assert_eq!(r1 - r0, 2, "{t}");
    }
    assert!(small.contains("ranks 0–4 of 8"), "{small}");

    // A ring passes the token to the next rank: one row per rank, and as
    // many ranks as fit.
    let ring = replay("ring16");
    let [small, large] = spacetime_screens(&ring, "ring16");
    for t in [&small, &large] {
        let arrivals = t.matches('▼').count() + t.matches('▲').count();
        assert!(arrivals >= 9, "{t}");
    }
    let (r0, r1) = label_rows(&small);
    assert_eq!(r1 - r0, 1, "{small}");
    assert!(small.contains("ranks 0–8 of 16"), "{small}");
    assert!(!large.contains(" of 16"), "{large}");
}
