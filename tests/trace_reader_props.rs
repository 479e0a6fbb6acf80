//! The trace reader and the model against damaged files: whatever the bytes,
//! reading returns a trace or a clear error, never a panic, and a trace that
//! reads is one the model and the replay log can go through.

use std::io::Write;

use proptest::prelude::*;

use mpi_tutor::model::Model;
use mpi_tutor::trace::{display::log_line, read_trace};

/// A real recording of send-recv on 5 ranks.
const RECORDED: &str = include_str!("fixtures/send_recv.jsonl");
/// And of ring on 4 ranks.
const RING: &str = include_str!("fixtures/ring.jsonl");

fn check(bytes: &[u8]) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    match read_trace(f.path()) {
        Ok(trace) => {
            let mut model = Model::new(trace.header.clone());
            for e in &trace.events {
                model.apply(e);
                let _ = log_line(e);
            }
            let _ = model.summary();
            let _ = model.deadlock();
            assert!(model.recent().len() <= trace.events.len());
        }
        Err(e) => {
            let text = e.to_string();
            assert!(!text.is_empty());
            assert!(!text.chars().any(char::is_control), "one line: {text:?}");
        }
    }
}

#[derive(Debug, Clone)]
enum Damage {
    Cut(usize),
    Flip(usize, u8),
    DropLine(usize),
    DupLine(usize),
    SwapLines(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Cut),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Flip(i, b)),
        any::<usize>().prop_map(Damage::DropLine),
        any::<usize>().prop_map(Damage::DupLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
    ]
}

fn apply(text: &str, damages: &[Damage]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    let mut tail_cut = None;
    for d in damages {
        let n = lines.len().max(1);
        match *d {
            Damage::Cut(i) => tail_cut = Some(i),
            Damage::Flip(i, b) => {
                let l = &mut lines[i % n];
                if !l.is_empty() {
                    let k = (i / n) % l.len();
                    l[k] = b;
                }
            }
            Damage::DropLine(i) if lines.len() > 1 => {
                lines.remove(i % n);
            }
            Damage::DropLine(_) => {}
            Damage::DupLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Damage::SwapLines(a, b) => lines.swap(a % n, b % n),
        }
    }
    let mut bytes = lines.join(&b'\n').to_vec();
    bytes.push(b'\n');
    if let Some(i) = tail_cut {
        bytes.truncate(i % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn damaged_recordings_never_panic(damages in proptest::collection::vec(damage(), 1..6), ring in any::<bool>()) {
        let base = if ring { RING } else { RECORDED };
        check(&apply(base, &damages));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn a_valid_header_then_garbage_never_panics(garbage in "[ -~\n]{0,400}") {
        let header = RECORDED.lines().next().unwrap();
        check(format!("{header}\n{garbage}").as_bytes());
    }
}
