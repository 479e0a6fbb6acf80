use super::*;

#[test]
fn the_wire_parts_must_make_a_preview() {
    let raw = Raw::of_values(100, |i| i as f64);
    let rebuilt = Raw::from_parts(raw.kind() as u8, raw.total(), raw.held());
    assert_eq!(rebuilt, Some(raw));
    // An unknown kind, too few or too many bytes for the count.
    assert_eq!(Raw::from_parts(11, 100, raw.held()), None);
    assert_eq!(Raw::from_parts(Kind::F64 as u8, 0, &raw.held()[..8]), None);
    assert_eq!(Raw::from_parts(Kind::F64 as u8, 3, raw.held()), None);
    assert_eq!(
        Raw::from_parts(Kind::F64 as u8, 100, &raw.held()[..24]),
        None
    );
    assert_eq!(Raw::from_parts(Kind::Chars as u8, 30, &[b'a'; 30]), None);
    assert_eq!(Raw::from_parts(Kind::Chars as u8, 2, b"abc"), None);
    let text = Raw::from_parts(Kind::Chars as u8, 30, &[b'a'; TEXT_CHARS]).unwrap();
    assert_eq!(text.text(), format!("\"{}\"…", "a".repeat(TEXT_CHARS)));
}

/// Whatever a rank can take reads back: a batch with a preview rank 0
/// refuses would be lost whole.
#[test]
fn every_preview_a_rank_takes_reads_back() {
    let chars = b"hello, world, and a longer text than is kept";
    for total in 0..40 {
        let values = Raw::of_values(total, |i| i as f64);
        let text = Raw::of_chars(&chars[..total.min(chars.len())], total);
        let short = Raw::of_chars(b"hi", total);
        for raw in [values, text, short] {
            let back = Raw::from_parts(raw.kind() as u8, raw.total(), raw.held());
            assert_eq!(back, Some(raw), "{total}");
        }
    }
    assert_eq!(Raw::of_values(0, |i| i as i32).text(), "[]");
    assert_eq!(Raw::of_chars(b"", 0).text(), "\"\"");
}

#[test]
fn every_kind_is_numbered_by_its_place() {
    for (n, kind) in Kind::ALL.iter().enumerate() {
        assert_eq!(*kind as usize, n);
        assert_eq!(Kind::from_number(n as u8), Some(*kind));
    }
}

#[test]
fn raw_values_and_their_text_are_the_same_values() {
    let raw = Values::from(Raw::of_values(5, |i| i as i32 * 10));
    let text = Values::from("[0, 10, 20 … 40]");
    assert_eq!(raw, text);
    assert_eq!(text, raw);
    assert_ne!(raw, Values::from("[0, 10, 20 … 41]"));
    assert_eq!(format!("{raw:?}"), "\"[0, 10, 20 … 40]\"");
    assert!(text.raw().is_none() && raw.raw().is_some());
}

#[test]
fn a_recording_holds_the_text() {
    let raw = Values::from(Raw::of_values(2, |i| [true, false][i]));
    assert_eq!(serde_json::to_string(&raw).unwrap(), "\"[true, false]\"");
    let read: Values = serde_json::from_str("\"[true, false]\"").unwrap();
    assert_eq!(read, raw);
}

/// A preview rides in a call's parts, moved on the rank's thread: no
/// larger than a kind, a count and four doubles, so that a part stays
/// small enough to be moved without a call to `memcpy`.
#[test]
fn a_preview_is_no_larger_than_its_raw_values() {
    assert!(
        size_of::<Option<Values>>() <= 48,
        "{}",
        size_of::<Option<Values>>()
    );
}
