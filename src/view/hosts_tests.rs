//! A run across hosts on the screen: each rank box names its host, each
//! host's ranks sit side by side, a message between hosts carries the
//! mark and its own colour (the arrows, the list, the log), the matrix
//! groups the ranks by host, the explanation and the summary say where
//! the ranks run; and a run on one host looks as before.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Widget;

use super::tests::{draw, find, screen, snap, text};
use super::*;
use crate::model::fixtures::{one_sided, ring_on_hosts};
use crate::model::Model;

/// Two ranks on each of three hosts.
const THREE: [&str; 6] = ["h1", "h1", "h2", "h2", "h3", "h3"];
/// The same hosts, the ranks dealt round-robin (`--map-by node`).
const DEALT: [&str; 6] = ["h1", "h2", "h3", "h1", "h2", "h3"];

/// The ring on `hosts` with the receives of ranks 1 and 2 done: 2->3 and
/// 4->5 in flight within a host, 3->4 and 5->0 across hosts.
fn ring(hosts: &[&str]) -> Model {
    ring_on_hosts(hosts, 2).model()
}

/// The screen of the ring half-way through its envelopes' flight.
fn shown(m: &Model) -> Screen<'_> {
    let mut s = screen(m, 0.5);
    s.lesson = LessonInfo::from(crate::lessons::find("ring").expect("ring lesson"));
    s
}

/// The ring with every message delivered, in the matrix.
fn matrix_of(m: &Model) -> Screen<'_> {
    let mut s = shown(m);
    s.main_panel = MainPanel::Matrix;
    s
}

#[test]
fn snapshot_three_hosts() {
    let m = ring(&THREE);
    snap("hosts_ring", &shown(&m));
}

#[test]
fn snapshot_matrix_grouped_by_host() {
    let m = ring_on_hosts(&THREE, 6).model();
    snap("hosts_matrix", &matrix_of(&m));
    let m = ring_on_hosts(&DEALT, 6).model();
    snap("hosts_matrix_dealt", &matrix_of(&m));
}

#[test]
fn snapshot_space_time_across_hosts() {
    let m = ring(&THREE);
    let mut s = shown(&m);
    s.main_panel = MainPanel::SpaceTime;
    snap("hosts_spacetime", &s);
}

#[test]
fn each_box_names_its_host_and_each_hosts_ranks_sit_together() {
    let m = ring(&DEALT);
    let buf = draw(&shown(&m), 120, 40);
    let column = |title: &str| find(&buf, title).unwrap_or_else(|| panic!("{title}")).0;
    let order = [
        (0, "h1"),
        (3, "h1"),
        (1, "h2"),
        (4, "h2"),
        (2, "h3"),
        (5, "h3"),
    ];
    let columns: Vec<u16> = (order.iter())
        .map(|&(r, h)| column(&format!("┌ rank {r} · {h} ")))
        .collect();
    assert!(
        columns.windows(2).all(|w| w[0] < w[1]),
        "{columns:?}\n{}",
        text(&buf)
    );
    // The world's title counts the hosts.
    assert!(text(&buf).contains("6 ranks on 3 hosts"), "{}", text(&buf));
}

/// The row where `needle` is, and the colours of the cells of that row.
fn row_colours(buf: &Buffer, needle: &str) -> (u16, Vec<Color>) {
    let (_, y) = find(buf, needle).unwrap_or_else(|| panic!("{needle}\n{}", text(buf)));
    let colours = (0..buf.area.width).map(|x| buf[(x, y)].fg).collect();
    (y, colours)
}

#[test]
fn a_message_between_hosts_has_the_mark_and_its_own_colour() {
    let m = ring(&THREE);
    let buf = draw(&shown(&m), 120, 40);
    // 3->4 and 5->0 cross: a double line in their own colour, marked.
    let (_, across) = row_colours(&buf, "═✉═");
    assert!(across.contains(&Color::LightMagenta));
    let t = text(&buf);
    let lanes: Vec<&str> = t.lines().filter(|l| l.contains('✉')).collect();
    assert_eq!(lanes.len(), 4, "{t}");
    for lane in lanes {
        let crosses = lane.contains('═');
        assert_eq!(lane.contains("⇄ tag 1"), crosses, "{lane}");
    }
    // 2->3 stays on h2: a plain line in the messages' colour.
    let (_, within) = row_colours(&buf, "─✉─");
    assert!(within.contains(&Color::Cyan) && !within.contains(&Color::LightMagenta));
    assert!(t.contains("⇄ crosses hosts: over the network"), "{t}");

    // Without colour the mark and the double line still tell them apart.
    let mut plain = shown(&m);
    plain.color = false;
    let buf = draw(&plain, 120, 40);
    assert!(text(&buf).contains("═ ⇄ tag 1 · 8 B"), "{}", text(&buf));
    assert!(!row_colours(&buf, "═✉═").1.contains(&Color::LightMagenta));
}

#[test]
fn the_list_and_the_log_mark_what_crosses_hosts() {
    let m = ring(&THREE);
    // At 80 columns six ranks are a grid: each host names its rows.
    let t = text(&draw(&shown(&m), 80, 24));
    for line in ["h1 0 waiting", "h2 2 running", "h3 4 waiting"] {
        assert!(t.contains(line), "{line}\n{t}");
    }
    assert!(t.contains("⇄ 3 → 4  tag 1 · 8 B  in flight"), "{t}");
    assert!(t.contains("✉ 2 → 3  tag 1 · 8 B  in flight"), "{t}");
    // The log: rank 3's send to rank 4 crosses, rank 2's to 3 does not.
    let t = text(&draw(&shown(&m), 120, 40));
    assert!(t.contains("│⇄ 0.004000 rank 3  send     -> 4"), "{t}");
    assert!(t.contains("│  0.003000 rank 2  done     send"), "{t}");
}

/// The screen's words in order, blanks and box borders folded, so a
/// sentence wrapped over lines reads as one.
fn words_of(buf: &Buffer) -> String {
    (text(buf).split(|c: char| c.is_whitespace() || "│┌┐└┘".contains(c)))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_explanation_and_the_help_say_where_the_ranks_run() {
    let m = ring(&THREE);
    let note = "HOSTS ranks 0-1 on h1, 2-3 on h2, 4-5 on h3: ranks on one host share \
                its memory; between hosts is the network, ⇄ marks what crosses it.";
    let about = |m: &Model| {
        let lesson = shown(m).lesson;
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 24));
        LessonPane {
            model: m,
            lesson: &lesson,
            scroll: None,
            focused: false,
            theme: Theme::new(true),
        }
        .render(buf.area, &mut buf);
        words_of(&buf)
    };
    let t = about(&m);
    // This run's hosts first, then the lesson's own explanation.
    assert!(t.contains(&format!("{note} GOAL")), "{t}");
    let lesson = shown(&m).lesson;
    let mut buf = Buffer::empty(Rect::new(0, 0, 76, 40));
    HelpOverlay {
        name: lesson.name,
        title: lesson.title,
        explanation: lesson.explanation,
        header: m.header(),
        theme: Theme::new(true),
    }
    .render(buf.area, &mut buf);
    let t = words_of(&buf);
    assert!(
        t.contains(&format!(
            "Ring: a token passed from rank to rank {note} GOAL"
        )),
        "{t}"
    );
    // Two hosts are named; ranks alone on their hosts share nothing.
    let t = about(&ring(&["a", "a", "b"]));
    assert!(
        t.contains("ranks on a share its memory; a to b is the network"),
        "{t}"
    );
    let t = about(&ring(&["a", "b", "c"]));
    assert!(t.contains("no two ranks share a host"), "{t}");
}

#[test]
fn the_summary_splits_traffic_within_and_across_hosts() {
    let m = ring_on_hosts(&THREE, 6).model();
    let mut s = shown(&m);
    s.show_summary = true;
    let t = text(&draw(&s, 120, 40));
    assert!(
        t.contains("messages: 3 within a host (24 B), 3 across hosts ⇄ (24 B)"),
        "{t}"
    );
}

#[test]
fn the_summary_lists_puts_gets_and_window_calls() {
    let m = one_sided().model();
    let lines: Vec<String> = SummaryOverlay {
        model: &m,
        deadlock: None,
        mode: Mode::Done,
        theme: Theme::new(false),
        lesson: true,
    }
    .lines()
    .iter()
    .map(ToString::to_string)
    .collect();
    let all = lines.join("\n");
    assert!(
        all.contains(" put                    2        32 B  origin -> target's window"),
        "{all}"
    );
    assert!(
        all.contains(" get                    1        16 B  target's window -> origin"),
        "{all}"
    );
    assert!(
        all.contains(
            " window calls: win_create 1, fence 3, win_free 1\n (synchronisation: they move no data)"
        ),
        "{all}"
    );
    assert!(!all.contains("collective"), "{all}");
}

#[test]
fn a_run_on_one_host_looks_as_before() {
    let one = ring(&["h1"; 6]);
    let mut unknown = ring_on_hosts(&["h1"; 6], 2);
    unknown.header.hosts.clear();
    let unknown = unknown.model();
    for (w, h) in [(80, 24), (120, 40)] {
        for panel in [MainPanel::World, MainPanel::Matrix, MainPanel::SpaceTime] {
            let (mut a, mut b) = (shown(&one), shown(&unknown));
            (a.main_panel, b.main_panel) = (panel, panel);
            (a.show_summary, b.show_summary) = (true, true);
            assert_eq!(text(&draw(&a, w, h)), text(&draw(&b, w, h)), "{panel:?}");
        }
    }
}

#[test]
fn long_host_names_are_cut_to_the_box() {
    let long = [
        "node-a12.cluster.example.org",
        "node-b07.cluster.example.org",
    ];
    let m = ring(&[long[0], long[0], long[0], long[1], long[1], long[1]]);
    let t = text(&draw(&shown(&m), 120, 40));
    let top = t.lines().find(|l| l.contains("┌ rank 0")).expect("boxes");
    // Six whole boxes: every title stays inside its border.
    assert_eq!(top.matches('┌').count(), 6, "{top}");
    assert_eq!(top.matches('┐').count(), 6, "{top}");
    // The domain goes, then the start: the end tells nodes apart.
    assert!(top.contains("┌ rank 0 · …de-a12 ┐"), "{top}");
    assert!(top.contains("┌ rank 3 · …de-b07 ┐"), "{top}");
}

#[test]
fn ranks_are_listed_in_runs_and_ordered_by_host() {
    assert_eq!(hosts::rank_ranges(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
    assert_eq!(hosts::rank_ranges(&[]), "");
    let header = ring_on_hosts(&DEALT, 0).header;
    assert_eq!(hosts::rank_order(&header, 6), vec![0, 3, 1, 4, 2, 5]);
    // Ranks the header does not place come last; one host keeps 0..n.
    assert_eq!(hosts::rank_order(&header, 8), vec![0, 3, 1, 4, 2, 5, 6, 7]);
    let one = ring_on_hosts(&["h1"; 4], 0).header;
    assert_eq!(hosts::rank_order(&one, 4), vec![0, 1, 2, 3]);
}

#[test]
fn sends_and_receives_between_hosts_are_told_apart() {
    let script = ring_on_hosts(&THREE, 6);
    let crossing: Vec<String> = (script.events.iter())
        .filter(|e| hosts::event_crosses(&script.header, e))
        .map(crate::trace::display::log_line)
        .collect();
    // The sends 1->2, 3->4, 5->0 and the receives that took the first
    // two (rank 0's receive has not ended).
    let ranks: Vec<&str> = crossing.iter().map(|l| &l[9..16]).collect();
    assert_eq!(
        ranks,
        ["rank 1 ", "rank 3 ", "rank 5 ", "rank 2 ", "rank 4 "],
        "{crossing:#?}"
    );
    let mut unknown = script.header.clone();
    unknown.hosts.clear();
    assert!(!script
        .events
        .iter()
        .any(|e| hosts::event_crosses(&unknown, e)));
}

#[test]
fn a_header_with_too_few_or_too_many_hosts_still_draws() {
    let odd: [&[&str]; 4] = [
        &["h1", "h2", "h2", "h3"],
        &["h1", "h1", "h2", "h2", "h3", "h3", "h4", "h5"],
        &["", "x"],
        &["a.b.c", ".", "a.b.c", "..."],
    ];
    for hosts in odd {
        let mut script = ring_on_hosts(&THREE, 2);
        script.header.hosts = hosts.iter().map(|h| h.to_string()).collect();
        let m = script.model();
        for panel in [MainPanel::World, MainPanel::Matrix, MainPanel::SpaceTime] {
            for (w, h) in [(80, 24), (120, 40), (200, 60)] {
                let mut s = shown(&m);
                s.main_panel = panel;
                s.show_summary = panel == MainPanel::Matrix;
                let t = text(&draw(&s, w, h));
                assert!(t.contains("ring"), "{hosts:?} {panel:?} {w}x{h}\n{t}");
            }
        }
        // Only the world's ranks are listed.
        let line = hosts::hosts_line(m.header()).unwrap_or_default();
        assert!(!line.contains('6') && !line.contains('7'), "{line}");
    }
}
