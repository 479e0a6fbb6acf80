//! The streaming export writes byte for byte what the whole-trace export
//! writes, whether its slices stay in memory or go through temporary files.

use std::path::Path;

use super::{write_chrome_trace, ChromeStream};
use crate::trace::{read_trace, Trace};

fn fixture(name: &str) -> Trace {
    let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
    read_trace(Path::new(&path)).expect("fixture")
}

fn whole(t: &Trace) -> Vec<u8> {
    let mut out = Vec::new();
    write_chrome_trace(t, &mut out).unwrap();
    out
}

fn streamed(t: &Trace, memory: usize) -> Vec<u8> {
    let mut chrome = ChromeStream::with_memory(t.header.clone(), memory).unwrap();
    for e in &t.events {
        chrome.push(e).unwrap();
    }
    if memory < 10_000 && t.events.len() > 100 {
        assert!(chrome.runs() > 0, "the slices went through files");
    }
    let mut out = Vec::new();
    chrome.finish(t.truncated, &mut out).unwrap();
    out
}

#[test]
fn every_fixture_streams_to_the_same_bytes() {
    for name in ["send_recv", "ring", "ring64", "deadlock"] {
        let mut t = fixture(name);
        assert_eq!(streamed(&t, usize::MAX), whole(&t), "{name}");
        assert_eq!(streamed(&t, 2_000), whole(&t), "{name}, spilled");
        t.truncated = true;
        assert_eq!(streamed(&t, 2_000), whole(&t), "{name}, truncated");
    }
}

#[test]
fn a_long_run_cut_anywhere_streams_to_the_same_bytes() {
    let ring = fixture("ring64");
    for cut in [1, ring.events.len() / 3, ring.events.len() - 5] {
        let t = Trace {
            events: ring.events[..cut].to_vec(),
            ..ring.clone()
        };
        assert_eq!(streamed(&t, 5_000), whole(&t), "cut at {cut}");
    }
}
