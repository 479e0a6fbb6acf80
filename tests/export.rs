//! `mpi-tutor export` as a user runs it: the real binary on a recorded run,
//! the format chosen with `--format`, and a format it does not know refused
//! in one line.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{alone, read};
use mpi_tutor::export::chrome_trace;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/send_recv.jsonl")
}

#[test]
fn format_chrome_writes_the_chrome_trace_to_stdout_or_a_file() {
    let expected = chrome_trace(&read(&fixture()));
    let file = fixture().to_str().unwrap().to_string();

    let run = alone(&["export", &file, "--format", "chrome"], LIMIT);
    run.assert_ok();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let written: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(written, expected);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.json");
    let out_arg = out.to_str().unwrap();
    let run = alone(
        &["export", &file, "--format", "chrome", "-o", out_arg],
        LIMIT,
    );
    run.assert_ok();
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, expected);

    // chrome is also what export writes when no format is named.
    let run = alone(&["export", &file], LIMIT);
    run.assert_ok();
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap(),
        expected
    );
}

#[test]
fn an_unknown_format_is_one_line_and_exit_2_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.tef");
    let file = fixture().to_str().unwrap().to_string();
    let out_arg = out.to_str().unwrap();
    let run = alone(&["export", &file, "--format", "tef", "-o", out_arg], LIMIT);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(
        run.stderr.trim(),
        "mpi-tutor: invalid value 'tef' for '--format <FORMAT>' [possible values: chrome, otf2] (see `mpi-tutor --help`)"
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(!out.exists(), "no file written for a refused format");
}

#[test]
fn a_missing_trace_or_an_unwritable_output_is_one_line_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let run = alone(&["export", missing.to_str().unwrap()], LIMIT);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("cannot read trace"), "{}", run.stderr);

    let file = fixture().to_str().unwrap().to_string();
    let nowhere = dir.path().join("no/such/dir/run.json");
    let run = alone(&["export", &file, "-o", nowhere.to_str().unwrap()], LIMIT);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("mpi-tutor: cannot write the export: "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_trace_cut_off_mid_line_is_exported_up_to_there_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture()).unwrap();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, &text[..text.len() - 20]).unwrap();
    let run = alone(&["export", cut.to_str().unwrap()], LIMIT);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("was cut off in its last line; exported what was recorded"),
        "{}",
        run.stderr
    );
    let written: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(written["otherData"]["truncated"], true);
}
