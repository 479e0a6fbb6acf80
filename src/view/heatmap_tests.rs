//! The heat map: outlines, lit edges, NO_COLOR, and the halo screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Widget;

use super::tests::{draw, find, screen, snap, text};
use super::*;
use crate::model::fixtures::{heat_blocks, Script};
use crate::model::Model;
use crate::trace::{Op, Source, TagSel};

/// What tags mean in lessons/halo.rs.
const GOING_LEFT: i32 = 3;
const GOING_RIGHT: i32 = 4;

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Stage {
    /// Every rank has shown its block.
    Shown,
    /// Rank 1 posted its receive from 0 and rank 0 sent it its right edge
    /// (at t = 1.0): the message crosses the 0|1 border.
    Sending,
    /// Rank 1's waitall took the message (at t = 1.3).
    Delivered,
}

/// The halo lesson on 4 ranks (2 x 2 blocks of a 16 x 16 grid); rank r
/// has shown iteration `its[r]`.
fn halo(its: [u64; 4], stage: Stage) -> Model {
    let mut s = Script::new("halo", 4);
    s.at(0.5);
    for r in 0..4u32 {
        let (row, col) = (r / 2 * 8, r % 2 * 8);
        s.say(
            r,
            &format!(
                "ranks form a 2 x 2 grid; my block: rows {row}..{}, cols {col}..{}",
                row + 8,
                col + 8
            ),
        );
    }
    s.at(0.6);
    for r in 0..4u32 {
        let block = heat_blocks(16, 2, 2, its[r as usize]).swap_remove(r as usize);
        s.field(r, block);
    }
    if stage >= Stage::Sending {
        s.at(1.0);
        let irecv = s.recv_call(
            Op::Irecv,
            1,
            Source::Rank(0),
            TagSel::Tag(GOING_RIGHT),
            8,
            line_of("requests.push(world.irecv::<f64>(rows, left, GOING_RIGHT));"),
        );
        s.begin(1, &irecv);
        s.end(1, &irecv);
        let isend = s.send_call(
            Op::Isend,
            0,
            1,
            GOING_RIGHT,
            8,
            line_of("requests.push(world.isend(&u.col(cols), right, GOING_RIGHT));"),
        );
        s.begin(0, &isend);
        s.end(0, &isend);
        let msg = isend.send.as_ref().unwrap().msg;
        if stage >= Stage::Delivered {
            s.at(1.3);
            let wait = s.wait_call(
                Op::Waitall,
                1,
                &[irecv.id],
                line_of("let done = world.waitall(requests);"),
            );
            s.begin(1, &wait);
            s.end_received(1, &wait, &[(irecv.id, msg)]);
        }
    }
    s.model()
}

/// The line of lessons/halo.rs that holds `code`, so the calls point at
/// the lesson's real lines however it is edited.
fn line_of(code: &str) -> u32 {
    let source = crate::lessons::find("halo").expect("halo lesson").source;
    let i = source.lines().position(|l| l.contains(code));
    1 + i.unwrap_or_else(|| panic!("no `{code}` in lessons/halo.rs")) as u32
}

fn halo_screen(m: &Model, now: f64) -> Screen<'_> {
    let l = crate::lessons::find("halo").expect("halo lesson");
    let mut s = screen(m, now);
    s.lesson = LessonInfo {
        name: l.name,
        title: l.title,
        file: l.file,
        source: l.source,
        explanation: l.explanation,
    };
    s
}

/// The panel alone, `w` x `h`.
fn panel(m: &Model, now: f64, color: bool, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    HeatMap {
        model: m,
        now,
        flight: FLIGHT_SECONDS,
        theme: Theme::new(color),
        focused: false,
    }
    .render(buf.area, &mut buf);
    buf
}

#[test]
fn two_by_two_blocks_are_outlined_and_numbered() {
    let m = halo([2; 4], Stage::Shown);
    let t = text(&panel(&m, 0.6, false, 24, 12));
    let rows: Vec<&str> = t.lines().collect();
    assert!(rows[0].starts_with(" heat · it 2 ─"), "{t}");
    // 16 columns and 8 rows (two grid rows each) per 2 blocks, one line
    // between blocks and around them.
    assert!(rows[1].starts_with(" ┌0───────┬1───────┐"), "{t}");
    assert!(rows[6].starts_with(" ├2───────┼3───────┤"), "{t}");
    assert!(rows[11].starts_with(" └────────┴────────┘"), "{t}");
    for row in rows[2..6].iter().chain(&rows[7..11]) {
        assert_eq!(row.chars().filter(|&c| c == '│').count(), 3, "{t}");
    }
    // The hot disc is in the middle, at the corner of all four blocks.
    assert!(rows[5].contains("@│@"), "{t}");
    assert!(rows[7].contains("@│@"), "{t}");
    // Legend: hottest on top, coldest at the bottom.
    assert!(rows[1].ends_with(" 100") || rows[1].contains(" 9"), "{t}");
    assert!(rows[11].ends_with(" 0"), "{t}");
}

#[test]
fn with_colour_each_character_shows_two_grid_rows() {
    let m = halo([0; 4], Stage::Shown);
    let buf = panel(&m, 0.6, true, 24, 12);
    // Inside block 0, top-left: cold (blue), both halves.
    let c = &buf[(2, 2)];
    assert_eq!(c.symbol(), "▀");
    assert_eq!(c.fg, field::heat_color(0.0));
    assert_eq!(c.bg, field::heat_color(0.0));
    // Next to the centre: the initial disc is 100 (red).
    let c = &buf[(9, 5)];
    assert_eq!(
        (c.fg, c.bg),
        (field::heat_color(1.0), field::heat_color(1.0))
    );
}

#[test]
fn an_edge_lights_while_a_message_crosses_it() {
    let lit_01 = |m: &Model, now: f64| {
        let buf = panel(m, now, true, 24, 12);
        // The line between blocks 0 and 1, half way down block 0.
        let c = &buf[(10, 3)];
        (c.symbol() == "┃", c.fg == Color::Yellow)
    };
    let shown = halo([2; 4], Stage::Shown);
    assert_eq!(lit_01(&shown, 1.2), (false, false));
    let sending = halo([2; 4], Stage::Sending);
    assert_eq!(lit_01(&sending, 1.2), (true, true));
    assert_eq!(active_edges(&sending, 1.2, FLIGHT_SECONDS), vec![(0, 1)]);
    // Only that edge: not the one between 0 and 2.
    let buf = panel(&sending, 1.2, true, 24, 12);
    assert_eq!(buf[(4, 6)].symbol(), "─");
    assert_eq!(buf[(14, 6)].symbol(), "─");
    assert!(text(&buf).contains("━ exchange"));
    // Delivered: lit for a moment after the view shows it arriving.
    let delivered = halo([2; 4], Stage::Delivered);
    assert_eq!(lit_01(&delivered, 2.2), (true, true));
    assert_eq!(lit_01(&delivered, 5.0), (false, false));
    assert!(active_edges(&delivered, 5.0, FLIGHT_SECONDS).is_empty());
    assert!(!text(&panel(&delivered, 5.0, true, 24, 12)).contains("exchange"));
}

#[test]
fn a_message_between_diagonal_ranks_lights_no_edge() {
    let mut s = Script::new("halo", 4);
    for (r, b) in heat_blocks(16, 2, 2, 0).into_iter().enumerate() {
        s.field(r as u32, b);
    }
    s.recv(3, Source::Rank(0), TagSel::Tag(1), 8, 10);
    s.send(0, 3, 1, 8, 10);
    let m = s.model();
    assert!(active_edges(&m, 0.0, FLIGHT_SECONDS).is_empty());
    assert!(!text(&panel(&m, 0.0, false, 24, 12)).contains('┃'));
}

#[test]
fn without_colour_the_heat_is_in_characters() {
    let m = halo([2; 4], Stage::Sending);
    let mut s = halo_screen(&m, 1.2);
    s.color = false;
    let buf = draw(&s, 120, 40);
    assert!(buf
        .content()
        .iter()
        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
    let t = text(&buf);
    assert!(!t.contains('▀'), "{t}");
    for c in ['@', '.', '┃'] {
        assert!(t.contains(c), "{c}\n{t}");
    }
}

#[test]
fn ranks_at_different_iterations_say_which() {
    let m = halo([4, 4, 2, 2], Stage::Shown);
    let t = text(&panel(&m, 0.6, false, 40, 20));
    assert!(t.contains(" heat · it 2–4 "), "{t}");
    assert!(t.contains("┌0 it4"), "{t}");
    assert!(t.contains("┬1 it4"), "{t}");
    assert!(t.contains("├2 it2"), "{t}");
    // All at one iteration: only the rank numbers.
    let t = text(&panel(&halo([4; 4], Stage::Shown), 0.6, false, 40, 20));
    assert!(!t.contains(" it4"), "{t}");
}

#[test]
fn snapshot_halo() {
    let m = halo([2; 4], Stage::Sending);
    let s = halo_screen(&m, 1.2);
    snap("halo_sending", &s);
    // Without colour the heat itself is in the text.
    let mut plain = halo_screen(&m, 1.2);
    plain.color = false;
    snap("halo_sending_no_color", &plain);
    // Both readable at the smallest size: every rank and the whole map.
    let buf = draw(&s, 80, 24);
    let t = text(&buf);
    for r in 0..4 {
        assert!(t.contains(&format!("{r} ")), "{t}");
    }
    assert!(t.contains("┌0"), "{t}");
    assert!(t.contains("┘"), "{t}");
    let (map_x, _) = find(&buf, "┌0").unwrap();
    assert!(map_x > 40, "the map is right of the ranks\n{t}");
    // Boxes with room for them.
    let t = text(&draw(&s, 120, 40));
    assert!(t.contains("┌ rank 3"), "{t}");
    assert!(t.contains("┼3"), "{t}");
}

#[test]
fn no_heat_map_without_a_field() {
    let m = crate::model::fixtures::send_recv("in_flight").model();
    for (w, h) in [(80, 24), (120, 40)] {
        let t = text(&draw(&screen(&m, 1.3), w, h));
        assert!(!t.contains(" heat "), "{t}");
    }
    assert!(!has_field(&m));
}

#[test]
fn any_size_and_any_layout_renders() {
    let mut models = vec![halo([0, 2, 4, 6], Stage::Delivered)];
    // Strips (7 x 1), a big grid, one rank, a block not yet shown.
    for (n, pr, pc, keep) in [
        (16, 7, 1, 7),
        (64, 4, 4, 16),
        (16, 1, 1, 1),
        (16, 3, 2, 5),
        (32, 8, 8, 64),
        (244, 61, 1, 61),
    ] {
        let mut s = Script::new("halo", pr * pc);
        for (r, b) in heat_blocks(n, pr, pc, 3).into_iter().enumerate().take(keep) {
            s.field(r as u32, b);
        }
        s.send(0, 1.min(pr * pc - 1), 4, 8, 101);
        models.push(s.model());
    }
    for m in &models {
        for (w, h) in [
            (0, 0),
            (1, 1),
            (3, 2),
            (8, 4),
            (12, 6),
            (24, 12),
            (45, 21),
            (200, 80),
        ] {
            for color in [true, false] {
                let _ = panel(m, 1.0, color, w, h);
            }
        }
        for (w, h) in [(80, 24), (100, 30), (120, 40)] {
            let _ = draw(&halo_screen(m, 1.0), w, h);
        }
    }
}

/// The halo lesson on 64 ranks with its defaults there: 8 x 8 blocks of 4 x
/// 4 cells on a 32 x 32 grid, every rank at iteration 2. With `sending`,
/// every rank with a right neighbour has posted its receive from it and
/// sent it its right edge (t = 1.0): 56 messages cross the 7 lines between
/// columns of blocks, none the lines between rows.
fn halo64(sending: bool) -> Model {
    let mut s = Script::new("halo", 64);
    s.at(0.5);
    for (r, b) in heat_blocks(32, 8, 8, 2).into_iter().enumerate() {
        s.field(r as u32, b);
    }
    if sending {
        s.at(1.0);
        let irecv_line = line_of("requests.push(world.irecv::<f64>(rows, right, GOING_LEFT));");
        let isend_line = line_of("requests.push(world.isend(&u.col(cols), right, GOING_RIGHT));");
        for r in (0..64u32).filter(|r| r % 8 != 7) {
            let from_right = Source::Rank(r + 1);
            let irecv = s.recv_call(
                Op::Irecv,
                r,
                from_right,
                TagSel::Tag(GOING_LEFT),
                4,
                irecv_line,
            );
            s.begin(r, &irecv);
            s.end(r, &irecv);
            s.send(r, r + 1, GOING_RIGHT, 4, isend_line);
        }
    }
    s.model()
}

#[test]
fn at_64_ranks_small_blocks_are_ticks_on_the_frame() {
    // The heat map of an 80x24 screen: no room for 9 lines each way.
    let m = halo64(false);
    let t = text(&panel(&m, 0.6, false, 24, 12));
    let rows: Vec<&str> = t.lines().collect();
    assert!(rows[0].starts_with(" heat · it 2 ─"), "{t}");
    let top = rows[1];
    let bottom = rows.iter().rev().find(|r| r.contains('└')).unwrap();
    // A tick on the frame for each of the 7 lines between columns of
    // blocks, and for each of the 7 between rows; no rank numbers.
    assert_eq!(top.matches('┬').count(), 7, "{t}");
    assert_eq!(bottom.matches('┴').count(), 7, "{t}");
    let left = rows
        .iter()
        .filter(|r| r.trim_start().starts_with('├'))
        .count();
    assert_eq!(left, 7, "{t}");
    assert!(!t.contains("┌0") && !t.contains('┼'), "{t}");
    // The whole map between the frame is heat: the disc in the middle.
    let middle = rows[rows.len() / 2 + 1];
    assert!(middle.contains("@@@"), "{t}");
    assert!(
        !middle[middle.find('├').unwrap() + 3..].contains('│'),
        "{t}"
    );
}

#[test]
fn at_64_ranks_a_crossed_line_lights_its_ticks() {
    let m = halo64(true);
    let buf = panel(&m, 1.2, true, 24, 12);
    let t = text(&buf);
    assert!(t.contains("┳ exchange"), "{t}");
    let rows: Vec<&str> = t.lines().collect();
    // Messages cross every line between columns of blocks: heavy, yellow.
    assert_eq!(rows[1].matches('┳').count(), 7, "{t}");
    let (x, y) = find(&buf, "┳").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
    // None crosses the lines between rows of blocks.
    assert!(!t.contains('┣'), "{t}");
}

#[test]
fn at_64_ranks_blocks_are_outlined_when_they_fit() {
    let m = halo64(false);
    let t = text(&panel(&m, 0.6, false, 60, 32));
    assert!(t.contains("┌0"), "{t}");
    assert!(t.contains("┼63"), "{t}");
    assert!(!t.contains('┬') || t.contains("┬1"), "{t}");
}

#[test]
fn snapshot_halo_64() {
    let m = halo64(true);
    let mut s = halo_screen(&m, 1.2);
    s.color = false;
    snap("halo_64_no_color", &s);
    // At 80 columns the world's title says its counts in short words.
    let t = text(&draw(&s, 80, 24));
    let title = t.lines().nth(1).unwrap();
    assert!(title.contains("· 56 sending · 56 posted"), "{title}\n{t}");
    assert!(title.contains(" heat · it 2 ┳ exchange"), "{title}");
    // At 120 columns: the blocks outlined and numbered, the words in full.
    let t = text(&draw(&s, 120, 40));
    assert!(t.contains("56 sends waiting for their receivers"), "{t}");
    assert!(t.contains("┼63"), "{t}");
}

#[test]
fn the_world_title_shortens_to_fit() {
    let m = halo64(true);
    let title = |w: u16| {
        let mut buf = Buffer::empty(Rect::new(0, 0, w, 3));
        World {
            model: &m,
            selected: None,
            deadlock: None,
            now: 1.2,
            flight: FLIGHT_SECONDS,
            values: true,
            focused: true,
            theme: Theme::new(false),
        }
        .render(buf.area, &mut buf);
        text(&buf).lines().next().unwrap().to_string()
    };
    let wide = title(100);
    assert!(
        wide.starts_with(
            " world · 64 ranks · 56 sends waiting for their receivers · 56 receives posted "
        ),
        "{wide}"
    );
    let narrower = title(60);
    assert!(
        narrower.starts_with(" world · 64 ranks · 56 sending · 56 posted "),
        "{narrower}"
    );
    let narrowest = title(40);
    assert!(
        narrowest.starts_with(" world · 56 sending · 56 posted "),
        "{narrowest}"
    );
}
