//! Every state word on a whole screen, at 80x24 and at 120x40, from
//! hand-built model states: posted and waiting receives, sends waiting for
//! their receivers, deadlocks, a failed rank, a rank held by the tutor.
//! Nothing a student needs is cut off at either size.

use super::tests::{draw, screen, snap, text};
use ratatui::buffer::Buffer;

use super::*;
use crate::model::fixtures::{self, Script};
use crate::model::Model;
use crate::trace::Op;

/// The screen of `script`'s model, with its real lesson.
fn shown<'a>(m: &'a Model, lesson: &str) -> Screen<'a> {
    let mut s = screen(m, m.now());
    s.lesson = LessonInfo::from(crate::lessons::find(lesson).expect("lesson"));
    s.status.speed_label = "2 calls/s".into();
    s
}

/// Words in order, runs of blanks and box borders folded, so a phrase
/// wrapped over lines still reads as one.
fn fold(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || "│┌┐└┘".contains(c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The inside of each rank box, read down the box (boxes stand side by
/// side, so the screen's rows interleave them).
fn boxes(buf: &Buffer) -> Vec<String> {
    let t = text(buf);
    let rows: Vec<Vec<char>> = t.lines().map(|l| l.chars().collect()).collect();
    let mut out = Vec::new();
    for (y, row) in rows.iter().enumerate() {
        for x in 0..row.len() {
            let title: String = row[x..].iter().take(7).collect();
            if title != "┌ rank " {
                continue;
            }
            let right = (x + 1..row.len())
                .find(|&i| row[i] == '┐')
                .unwrap_or(row.len());
            let inside = rows[y + 1..]
                .iter()
                .take_while(|r| r.get(x) == Some(&'│'))
                .map(|r| {
                    r.get(x + 1..right.min(r.len()))
                        .unwrap_or(&[])
                        .iter()
                        .collect()
                })
                .collect::<Vec<String>>();
            out.push(fold(&inside.join(" ")));
        }
    }
    out
}

/// A phrase shown whole at both sizes (not cut with `…`): on the screen's
/// lines, or in a rank box.
fn shown_whole(s: &Screen, phrase: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = draw(s, w, h);
        let found =
            fold(&text(&buf)).contains(phrase) || boxes(&buf).iter().any(|b| b.contains(phrase));
        assert!(found, "{phrase:?} at {w}x{h}:\n{}", text(&buf));
    }
}

/// The screen of `script` with its real `lesson` (its deadlock shown, if
/// it has one), snapshotted as `name` at both sizes, each of `phrases`
/// shown whole; returns the screen's text at 120x40.
fn check_words(script: &Script, lesson: &str, name: &str, phrases: &[&str]) -> String {
    let m = script.model();
    let deadlock = m.deadlock();
    let mut s = shown(&m, lesson);
    if deadlock.is_some() {
        s.deadlock = deadlock.as_ref();
        s.status.mode = Mode::Paused;
    }
    snap(name, &s);
    for phrase in phrases {
        shown_whole(&s, phrase);
    }
    text(&draw(&s, 120, 40))
}

#[test]
fn posted_waiting_and_held_words() {
    let t = check_words(
        &fixtures::posted_and_waiting(),
        "nonblocking",
        "words_posted_waiting_held",
        &[
            "◇ posted: from 3, tag 1",
            "waiting in recv from 0",
            "⧗ waiting for 0, tag 2",
            "waiting in wait",
            "⧗ waiting for 1, tag 1",
            "held by the tutor",
            "computing while the message from the left travels",
        ],
    );
    // Posted is not waiting: rank 0's irecv is only posted, rank 1's recv
    // and rank 2's irecv (in a wait) are waited on.
    assert!(t.contains("2 receives waiting · 1 receive posted"), "{t}");
}

#[test]
fn sends_waiting_for_their_receivers() {
    let t = check_words(
        &fixtures::senders_wait(),
        "deadlock-send",
        "words_senders_wait",
        &[
            "waiting in ssend to 1",
            "waiting in send to 1",
            "⧗ waiting for 1 to receive, tag 5",
            "⧗ waiting for 1 to receive, tag 6",
            "1.0 MiB",
        ],
    );
    assert!(t.contains("2 sends waiting for their receivers"), "{t}");
    // Not queued at the receiver, not travelling.
    assert!(!t.contains("queued"), "{t}");
    assert!(!t.contains('✉'), "{t}");
}

#[test]
fn a_deadlock_of_one_rank_and_of_a_cycle() {
    check_words(
        &fixtures::waits_for_an_ended_rank(),
        "deadlock",
        "words_deadlock_one_rank",
        &[
            "DEADLOCK: rank 1 waits forever",
            "rank 1 recv(from 0, tag 1) lessons/deadlock.rs:16",
            "waits for rank 0, which has ended: it will never answer",
        ],
    );
    check_words(
        &fixtures::ring_of_receives(),
        "deadlock",
        "words_deadlock_cycle",
        &[
            "DEADLOCK: these ranks wait for each other forever",
            "rank 0 recv(from 2, tag 1)",
            "waits for rank 2 recv(from 1, tag 1)",
            "waits for rank 1 recv(from 0, tag 1)",
            "waits for rank 0: back to the start, nobody can move",
            "3 ranks",
        ],
    );
}

#[test]
fn a_failed_rank_stays_with_its_message_and_line() {
    // The others wait in the allreduce for the failed rank: a deadlock,
    // whose banner says why the rank they wait for is gone.
    check_words(
        &fixtures::crashed(),
        "crash",
        "words_failed",
        &[
            "RANK 1 FAILED",
            "4 ranks",
            "in allreduce",
            "DEADLOCK: rank 0 waits forever",
            "waits for rank 1, which failed at lessons/crash.rs:19: index out of bounds: the len is 2 but the index is 2",
            "also stuck: ranks 2 3",
        ],
    );
    // Before the deadlock is confirmed, the detail line under the ranks
    // says the same of the failed rank.
    let m = fixtures::crashed().model();
    let s = shown(&m, "crash");
    shown_whole(
        &s,
        "rank 1 · FAILED at lessons/crash.rs:19: index out of bounds: the len is 2 but the index is 2",
    );
}

#[test]
fn every_lesson_says_what_it_is_about() {
    let crashed = fixtures::crashed().model();
    let quiet = Model::new(crashed.header().clone());
    for lesson in crate::lessons::LESSONS {
        let summary = lesson
            .title
            .split_once(": ")
            .map_or(lesson.title, |(_, s)| s);
        // With a failed rank's badge, the summary needs 120 columns.
        for (m, w) in [(&quiet, 80), (&crashed, 120)] {
            let s = shown(m, lesson.name);
            let t = text(&draw(&s, w, 24));
            let top = t.lines().next().unwrap_or_default();
            assert!(top.contains(&format!("{}: ", lesson.name)), "{top}");
            assert!(top.contains(summary), "{top}");
            assert!(top.ends_with("│ 4 ranks"), "{top}");
        }
    }
}

#[test]
fn what_ranks_said_and_their_calls_are_whole_in_narrow_boxes() {
    // The reduce lesson: every rank held before its reduce, having said
    // which part of pi it computed.
    let mut reduce = Script::new("reduce", 4);
    let calls = reduce.collective(Op::Reduce, Some(0), &[0, 1, 2, 3], 29);
    for (r, c) in (0..4).zip(&calls) {
        let (from, to) = (250 * r, 250 * (r + 1));
        let part = format!(
            "steps {from}..{to} cover [{:.3}, {:.3}): my part is 0.8746758163",
            f64::from(from) / 1000.0,
            f64::from(to) / 1000.0
        );
        reduce.say(r, &part);
        reduce.held(r, c);
    }
    check_words(
        &reduce,
        "reduce",
        "said_reduce_held",
        &["steps 250..500 cover [0.250, 0.500): my part is 0.8746758163"],
    );

    // The nonblocking lesson: every rank waiting for its four requests.
    let mut waits = Script::new("nonblocking", 4);
    for r in 0..4 {
        let w = waits.wait_call(Op::Waitall, r, &[0, 1, 2, 3], 45);
        waits.say(r, "work done (result 1.644931), now waiting for the rest");
        waits.begin(r, &w);
    }
    check_words(
        &waits,
        "nonblocking",
        "said_waitall",
        &[
            "requests #0 #1 #2 #3",
            "work done (result 1.644931), now waiting for the rest",
        ],
    );
}
