//! Any bytes to the reader of what ranks send rank 0 (`trace::wire`). Its
//! contract: it never panics; it returns the batch's events or an error;
//! and the events it returns (a call's begin and end written as one
//! record read back as the two events they stand for), each written on
//! its own, read back to the same bytes; and the values previews it
//! returns, raw as a rank takes them, are written as text without a
//! panic, as rank 0's log writes them.
#![no_main]

use libfuzzer_sys::fuzz_target;

use mpi_tutor::trace::{display, wire};

fuzz_target!(|data: &[u8]| {
    let Ok(events) = wire::decode(data) else {
        return;
    };
    let mut again = Vec::new();
    for e in &events {
        wire::encode(e, &mut again);
        let _ = display::log_line_with(e, true);
    }
    // Compared as bytes: a stamp may be NaN, which equals nothing.
    let decoded = wire::decode(&again).expect("what the writer wrote reads back");
    assert_eq!(decoded.len(), events.len());
    let mut third = Vec::new();
    for e in &decoded {
        wire::encode(e, &mut third);
    }
    assert_eq!(third, again);
});
