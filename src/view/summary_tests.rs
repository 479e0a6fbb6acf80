//! The summary overlay laid out on real runs (recorded lessons, replayed):
//! its rows fit the box, and what does not fit folds instead of being cut.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::tests::{draw, replay, text};
use super::*;
use crate::model::fixtures::crashed;
use crate::model::Model;

/// The lines the summary's own sections start at its left edge; anything
/// else there is a word wrapped onto the edge.
const SECTION_STARTS: [&str; 4] = ["outcome ", "seconds ", "checks ", "failures "];

pub(super) fn screen<'a>(model: &'a Model, lesson: &str) -> Screen<'a> {
    let info = LessonInfo::from(crate::lessons::find(lesson).expect("lesson"));
    let mut s = Screen::following(model, info);
    s.status.speed_label = "1x".into();
    s.status.mode = Mode::Done;
    s.now = model.now();
    s.show_summary = true;
    s
}

/// The rows inside the summary's box, border cut off; None when the box
/// is not drawn whole (its top or bottom edge missing).
fn boxed_rows(buf: &Buffer) -> Option<Vec<String>> {
    let rows: Vec<Vec<String>> = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect()
        })
        .collect();
    let (top, left) = rows.iter().enumerate().find_map(|(y, row)| {
        let x = row.windows(9).position(|w| w.concat() == "┌ summary")?;
        Some((y, x))
    })?;
    let right = (left + 1..rows[top].len()).find(|&x| rows[top][x] == "┐")?;
    let bottom = (top + 1..rows.len()).find(|&y| rows[y][left] == "└")?;
    Some(
        rows[top + 1..bottom]
            .iter()
            .map(|row| row[left + 1..right].concat().trim_end().to_string())
            .collect(),
    )
}

/// Every row of the box at `w`x`h`, after checking that none wraps a word
/// onto its left edge and that the run's failures are in it, and its
/// checks where it has them (a lesson's, never a watched program's).
pub(super) fn fitted_rows(s: &Screen, w: u16, h: u16) -> Vec<String> {
    let buf = draw(s, w, h);
    let shown = text(&buf);
    let rows = boxed_rows(&buf).unwrap_or_else(|| panic!("a whole box:\n{shown}"));
    let room = box_width(&buf) - 3;
    for row in &rows {
        let n = row.chars().count();
        assert!(
            n <= room,
            "{row:?} leaves no column before the border:\n{shown}"
        );
    }
    for row in rows.iter().filter(|r| !r.is_empty() && !r.starts_with(' ')) {
        assert!(
            SECTION_STARTS.iter().any(|start| row.starts_with(start)),
            "{row:?} wrapped onto the box's edge at {w}x{h}:\n{shown}"
        );
    }
    let checked = s.lesson.is_lesson() || !s.model.summary().checks.is_empty();
    let checks = rows.iter().any(|r| r.starts_with("checks "));
    assert_eq!(checks, checked, "checks row: {shown}");
    assert!(rows.iter().any(|r| r.starts_with("failures ")), "{shown}");
    rows
}

#[test]
fn the_one_sided_summary_keeps_each_transfer_on_one_row() {
    let m = replay("one_sided");
    let s = screen(&m, "one-sided");
    for (w, h) in [(80, 24), (120, 40)] {
        let rows = fitted_rows(&s, w, h);
        let row = |start: &str| rows.iter().find(|r| r.starts_with(start)).cloned();
        let put = row(" put ").expect("a put row");
        assert!(put.ends_with("  origin -> target's window"), "{put:?}");
        let get = row(" get ").expect("a get row");
        assert!(get.ends_with("  target's window -> origin"), "{get:?}");
        let calls = row(" window calls: ").expect("the window calls");
        assert_eq!(calls, " window calls: win_create 1, fence 3, win_free 1");
        assert!(row("checks   5 passed, 0 failed").is_some(), "{rows:#?}");
        // As wide as the put row, and a column to spare.
        assert_eq!(box_width(&draw(&s, w, h)), put.chars().count() + 3);
    }
    insta::assert_snapshot!("summary_one_sided_80x24", text(&draw(&s, 80, 24)));
    insta::assert_snapshot!("summary_one_sided_120x40", text(&draw(&s, 120, 40)));
}

#[test]
fn every_recorded_summary_fits_its_box() {
    for (fixture, lesson) in [
        ("broadcast", "broadcast"),
        ("deadlock", "deadlock"),
        ("halo8", "halo"),
        ("nonblocking", "nonblocking"),
        ("reduce", "reduce"),
        ("ring", "ring"),
        ("ring64", "ring"),
        ("scatter_gather", "scatter-gather"),
        ("send_recv", "send-recv"),
    ] {
        let m = replay(fixture);
        for (w, h) in [(80, 24), (120, 40)] {
            fitted_rows(&screen(&m, lesson), w, h);
        }
    }
}

/// The box's width, border included, from its top edge.
fn box_width(buf: &Buffer) -> usize {
    let shown = text(buf);
    let top = shown
        .lines()
        .find(|l| l.contains("┌ summary"))
        .expect("a box");
    let edge: String = top.split("┌ summary").nth(1).expect("a top edge").into();
    edge.split('┐').next().expect("a corner").chars().count() + "┌ summary┐".chars().count()
}

#[test]
fn a_prose_note_wraps_under_itself_and_never_widens_the_box() {
    let m = replay("reduce");
    let s = screen(&m, "reduce");
    assert_eq!(box_width(&draw(&s, 120, 40)), 64);
    let rows = fitted_rows(&s, 120, 40);
    let note = rows
        .iter()
        .position(|r| r.starts_with(" (the data"))
        .unwrap();
    assert!(rows[note + 1].starts_with("  library's"), "{rows:#?}");
}

#[test]
fn the_seconds_of_8_ranks_take_two_rows_of_whole_entries() {
    let m = replay("halo8");
    let rows = fitted_rows(&screen(&m, "halo"), 120, 40);
    let title = rows
        .iter()
        .position(|r| r == "seconds waiting in MPI calls");
    let first = title.expect("the seconds waited") + 1;
    let entries =
        |row: &str| -> Vec<String> { row.split("   ").map(|e| e.trim().to_string()).collect() };
    let (one, two) = (entries(&rows[first]), entries(&rows[first + 1]));
    assert_eq!((one.len(), two.len()), (5, 3), "{rows:#?}");
    for (rank, entry) in one.iter().chain(&two).enumerate() {
        let (r, seconds) = entry.split_once(": ").expect("rank: seconds");
        assert_eq!(r, rank.to_string());
        assert!(seconds.parse::<f64>().is_ok(), "{entry:?}");
    }
}

/// The rows of the summary of halo on 8 ranks drawn alone in an 80-column
/// area `height` rows high, after checking its checks are in it, and how
/// many pairs it lists.
fn folded(height: u16) -> (Vec<String>, usize) {
    let m = replay("halo8");
    let overlay = SummaryOverlay {
        model: &m,
        deadlock: None,
        mode: Mode::Done,
        theme: Theme::new(false),
        lesson: true,
    };
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, height));
    overlay.render(buf.area, &mut buf);
    let shown = text(&buf);
    let rows = boxed_rows(&buf).unwrap_or_else(|| panic!("a whole box:\n{shown}"));
    assert!(rows.iter().any(|r| r.starts_with("checks ")), "{shown}");
    assert!(rows.iter().any(|r| r == "failures none"), "{shown}");
    let listed = rows.iter().filter(|r| r.contains(" → ")).count() - 1;
    let more = format!(" ... and {} more pairs", m.summary().pairs.len() - listed);
    assert!(rows.contains(&more), "{more:?} in\n{shown}");
    (rows, listed)
}

#[test]
fn a_short_screen_folds_the_pairs_to_keep_the_checks() {
    let (rows, listed) = folded(16);
    assert!((1..8).contains(&listed), "{rows:#?}");
    assert!(
        rows.iter().any(String::is_empty),
        "the parts apart: {rows:#?}"
    );
    // Shorter still: the blank rows between the parts go first.
    let (rows, _) = folded(13);
    assert!(!rows.iter().any(String::is_empty), "{rows:#?}");
}

#[test]
fn a_failure_wraps_under_its_rank() {
    let m = crashed().model();
    for (w, h) in [(80, 24), (120, 40)] {
        let rows = fitted_rows(&screen(&m, "crash"), w, h);
        let at = (rows.iter())
            .position(|r| r.starts_with("  rank 1: index out of bounds"))
            .expect("the failure");
        let next = &rows[at + 1];
        let hung = next.starts_with("    ") && !next.starts_with("     ");
        assert!(
            hung && next.ends_with(" at lessons/crash.rs:19"),
            "{rows:#?}"
        );
    }
}

/// A watched program's summary at the end of its recorded run.
pub(super) fn watched_summary<'a>(model: &'a Model, file: &'a str) -> Screen<'a> {
    let info = LessonInfo {
        name: file,
        title: words::WATCHED_TITLE,
        file,
        source: "",
        explanation: "",
    };
    let mut s = Screen::following(model, info);
    s.status.mode = Mode::Done;
    s.show_summary = true;
    s
}

#[test]
fn every_collective_a_watched_program_made_shows_the_data_it_moved() {
    let m = replay("started_collectives");
    let s = watched_summary(&m, "started_collectives.c");
    for (w, h) in [(80, 24), (120, 40)] {
        let rows = fitted_rows(&s, w, h);
        let row = |name: &str| {
            let start = format!(" {name} ");
            let found = rows.iter().find(|r| r.starts_with(&start));
            found
                .unwrap_or_else(|| panic!("no {name} row in {rows:#?}"))
                .clone()
        };
        // 4 ranks, an int from each rank to each other rank, or (exscan)
        // to each rank after it.
        for (name, transfers, way) in [
            ("reduce_scatter", 12, "all -> each its part, combined"),
            ("reduce_scatter_block", 12, "all -> each its part, combined"),
            ("exscan", 6, "each -> the ranks after it"),
            ("allgatherv", 12, "all -> all"),
            ("alltoallv", 12, "each -> each its chunk"),
            ("ibcast", 3, "root -> all"),
            ("ireduce", 3, "all -> root, combined"),
        ] {
            let cells: Vec<String> = row(name).split_whitespace().map(String::from).collect();
            let bytes = format!("{}", transfers * 4);
            assert_eq!(cells[1..4], [transfers.to_string(), bytes, "B".into()]);
            assert!(row(name).ends_with(&format!("  {way}")), "{:?}", row(name));
        }
        assert!(!rows.iter().any(|r| r.contains("no data")), "{rows:#?}");
        assert!(
            !rows.iter().any(|r| r.starts_with(" ibarrier")),
            "{rows:#?}"
        );
    }
    insta::assert_snapshot!(
        "summary_started_collectives_120x40",
        text(&draw(&s, 120, 40))
    );
}

#[test]
fn a_watched_programs_summary_counts_no_checks_it_never_had() {
    let m = replay("started_collectives");
    assert!(
        m.summary().checks.is_empty(),
        "a watched program checks nothing"
    );
    let s = watched_summary(&m, "started_collectives.c");
    for (w, h) in [(80, 24), (120, 40)] {
        let rows = fitted_rows(&s, w, h);
        assert!(!rows.iter().any(|r| r.starts_with("checks")), "{rows:#?}");
        assert!(rows.iter().any(|r| r == "failures none"), "{rows:#?}");
    }
    // The same run shown as a lesson still counts its checks, none yet.
    let mut lesson = screen(&m, "send-recv");
    lesson.show_summary = true;
    let rows = fitted_rows(&lesson, 120, 40);
    assert!(
        rows.iter().any(|r| r == "checks   0 passed, 0 failed"),
        "{rows:#?}"
    );
}

#[test]
fn communicator_calls_have_a_line_of_their_own_not_a_row_of_no_data() {
    let m = replay("topology");
    let s = watched_summary(&m, "topology.c");
    for (w, h) in [(80, 24), (120, 40)] {
        let rows = fitted_rows(&s, w, h);
        let calls = (rows.iter())
            .position(|r| r.starts_with(" communicator calls: "))
            .unwrap_or_else(|| panic!("the communicator calls in {rows:#?}"));
        let listed = [&rows[calls], &rows[calls + 1]].map(|r| r.trim());
        let listed = listed.join(" ");
        assert!(
            listed.starts_with(
                "communicator calls: comm_split 1, comm_create 1, cart_create 1, intercomm_create 2"
            ),
            "{rows:#?}"
        );
        assert!(rows
            .iter()
            .any(|r| r == " (they make communicators and move no data)"));
        for op in ["comm_create", "cart_create", "intercomm_create"] {
            let row = format!(" {op} ");
            assert!(!rows.iter().any(|r| r.starts_with(&row)), "{rows:#?}");
        }
    }
    insta::assert_snapshot!("summary_topology_80x24", text(&draw(&s, 80, 24)));
}
