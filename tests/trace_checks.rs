//! Traces whose events contradict themselves, as a user meets them: the
//! export and the headless replay still give what is there, then say on
//! standard error, a line each, what is wrong and where, and the exit code
//! says which kind of problem it is.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::alone;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);

/// The recorded send-recv run (5 ranks), its lines changed by `edit`.
fn damaged(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<String>)) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/send_recv.jsonl");
    let text = std::fs::read_to_string(fixture).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    edit(&mut lines);
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Export and headless replay of `path`: both exit with `code`, and say
/// `problem` (after "trace PATH, ") on a line of standard error.
fn both_say(path: &Path, code: i32, problem: &str) {
    let p = path.to_str().unwrap();
    let said = format!("mpi-tutor: trace {p}, {problem}");
    let export = alone(&["export", p], LIMIT);
    assert_eq!(export.code, Some(code), "{export:#?}");
    assert!(export.stderr.lines().any(|l| l == said), "{export:#?}");
    let last = export.stderr.lines().last().unwrap();
    assert!(
        last.ends_with("problem(s), said above; exported what is there"),
        "{last}"
    );
    let json: Value = serde_json::from_str(&export.stdout).expect("the export is written");
    assert!(json["traceEvents"].as_array().unwrap().len() > 10);
    let replay = alone(&["replay", p, "--headless"], LIMIT);
    assert_eq!(replay.code, Some(code), "{replay:#?}");
    assert!(replay.stderr.lines().any(|l| l == said), "{replay:#?}");
    assert!(replay.stdout.contains("hello, I am rank 0"), "{replay:#?}");
}

#[test]
fn an_event_of_a_rank_outside_the_world_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), "rank7.jsonl", |lines| {
        lines.insert(3, lines[2].replace("\"rank\":0,", "\"rank\":7,"));
    });
    both_say(
        &path,
        4,
        "line 4: an event of rank 7, but the run had 5 ranks (0 to 4)",
    );
}

#[test]
fn a_duplicated_line_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), "twice.jsonl", |lines| {
        let again = lines[5].clone();
        lines.insert(6, again);
    });
    both_say(&path, 5, "line 7: event 1 of rank 4 again");
}

#[test]
fn a_gap_in_a_ranks_events_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), "gap.jsonl", |lines| {
        lines.remove(5);
    });
    both_say(&path, 5, "line 6: event 1 of rank 4 is missing");
}

#[test]
fn events_out_of_order_are_named_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = damaged(dir.path(), "swapped.jsonl", |lines| {
        lines.swap(5, 6);
    });
    both_say(
        &path,
        6,
        "line 7: event 1 of rank 4 comes after its event 2",
    );
}

#[test]
fn a_whole_recording_has_no_problems() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ring.jsonl");
    let p = fixture.to_str().unwrap();
    for args in [vec!["export", p], vec!["replay", p, "--headless"]] {
        let run = alone(&args, LIMIT);
        run.assert_ok();
        assert!(run.stderr.is_empty(), "{run:#?}");
    }
}
