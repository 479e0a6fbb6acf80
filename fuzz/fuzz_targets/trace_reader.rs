//! Any bytes to the trace reader. Its contract: it never panics; it returns
//! a trace or an error that says what is wrong in one line; a trace holds
//! one event per non-blank line after the header (less a cut-off last line);
//! and what mpi-tutor writes of a trace it read, it reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

use mpi_tutor::trace::{read_trace_from, Trace, FORMAT_NAME, FORMAT_VERSION};

fuzz_target!(|data: &[u8]| {
    match read_trace_from(data, "fuzz.jsonl") {
        Ok(trace) => check_trace(data, &trace),
        Err(e) => {
            let text = e.to_string();
            assert!(!text.is_empty());
            assert!(
                !text.chars().any(char::is_control),
                "not one plain line: {text:?}"
            );
        }
    }
});

fn check_trace(data: &[u8], trace: &Trace) {
    assert_eq!(trace.header.format, FORMAT_NAME);
    assert!(trace.header.version <= FORMAT_VERSION);

    // Every line after the header that is not blank is an event, except a
    // last line without a newline that did not parse. Only that cut-off
    // line may be broken UTF-8 (a write cut mid-character); the rest is text.
    if !trace.truncated {
        assert!(std::str::from_utf8(data).is_ok(), "a whole trace is UTF-8");
    }
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text
        .split_inclusive('\n')
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        trace.events.len() + usize::from(trace.truncated),
        lines.len()
    );
    if trace.truncated {
        assert!(!text.ends_with('\n'));
    }

    // Written the way the recorder writes, it reads back to the same trace.
    let mut out = Vec::new();
    serde_json::to_writer(&mut out, &trace.header).unwrap();
    out.push(b'\n');
    for e in &trace.events {
        serde_json::to_writer(&mut out, e).unwrap();
        out.push(b'\n');
    }
    let again = match read_trace_from(&out[..], "again.jsonl") {
        Ok(t) => t,
        Err(e) => panic!("what mpi-tutor writes it cannot read: {e}"),
    };
    assert!(!again.truncated);
    assert_eq!(again.events.len(), trace.events.len());
    assert_eq!(again.header.world_size, trace.header.world_size);
}
