//! The previews a rank takes raw read, once written on rank 0, as the
//! formatter wrote them at the rank before (`preview_parts` over the
//! values shown, `preview_text` over a text's first bytes): for every kind,
//! over many values, and after the wire and a recording.

use proptest::prelude::*;

use super::*;
use crate::trace::values::{preview_parts, preview_text};
use crate::trace::wire::{Reader, Wire};

#[test]
fn a_long_buffer_shows_its_first_three_and_last_values() {
    let v: Vec<f64> = (0..100).map(f64::from).collect();
    assert_eq!(preview(&v).unwrap(), "[0.0, 1.0, 2.0 … 99.0]");
}

#[test]
fn a_short_buffer_shows_all_of_it() {
    assert_eq!(preview(&[2.0f64, 0.5, 0.25]).unwrap(), "[2.0, 0.5, 0.25]");
    assert_eq!(preview(&[1i32, 2, 3, 4]).unwrap(), "[1, 2, 3, 4]");
    assert_eq!(preview::<i32>(&[]), None);
}

#[test]
fn values_after_the_first_keep_theirs() {
    let v = [1.0 / 3.0, 1.0, 1.0 / 7.0, 0.5, 2.0 / 3.0, 1.0e-7 / 3.0];
    assert_eq!(
        preview(&v).unwrap(),
        "[0.333333, 1.0, 0.142857 … 3.3333e-8]"
    );
}

#[test]
fn bytes_are_hex_and_text_is_quoted() {
    let raw = [Byte(0), Byte(1), Byte(2), Byte(255), Byte(7)];
    assert_eq!(preview(&raw).unwrap(), "[0x00, 0x01, 0x02 … 0x07]");
    assert_eq!(preview_chars(b"hi there\0junk", 13), "\"hi there\"");
    assert_eq!(preview_chars(b"abc", 3), "\"abc\"");
    let long = [b'x'; 40];
    assert_eq!(
        preview_chars(&long, 40).to_string(),
        format!("\"{}\"…", "x".repeat(TEXT_CHARS))
    );
}

/// The preview of `values` as the rank wrote it before it took them raw.
fn as_before<T: Shown>(values: &[T]) -> String {
    let n = values.len();
    if n <= HEAD + TAIL {
        preview_parts(values, &[], n)
    } else {
        preview_parts(&values[..HEAD], &values[n - TAIL..], n)
    }
}

/// The texts `values` reads as: at once, after the wire, after a
/// recording (JSON) and after both.
fn texts_after_the_trip(values: &Values) -> [String; 4] {
    let mut bytes = Vec::new();
    values.put(&mut bytes);
    let wired = Values::get(&mut Reader::new(&bytes)).expect("reads back");
    assert_eq!(&wired, values);
    let json = serde_json::to_string(values).unwrap();
    let recorded: Values = serde_json::from_str(&json).unwrap();
    let json_after_wire = serde_json::to_string(&wired).unwrap();
    assert_eq!(json, json_after_wire);
    let mut again = Vec::new();
    recorded.put(&mut again);
    let recorded_wired = Values::get(&mut Reader::new(&again)).expect("reads back");
    [values, &wired, &recorded, &recorded_wired].map(|v| v.to_string())
}

/// `values` previewed raw reads as before, wherever it went.
fn reads_as_before<T: Shown>(values: &[T]) -> Result<(), TestCaseError> {
    if values.is_empty() {
        prop_assert!(preview(values).is_none());
        return Ok(());
    }
    let expected = as_before(values);
    for text in texts_after_the_trip(&preview(values).expect("previews are on")) {
        prop_assert_eq!(&text, &expected);
    }
    Ok(())
}

/// Doubles of every kind: any bits, short decimals, a program's values.
fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        any::<f64>(),
        (-1_000_000i64..1_000_000, 0u32..7).prop_map(|(m, p)| m as f64 / 10f64.powi(p as i32)),
        (0.0..100.0f64),
        (-1e-3..1e-3f64),
        Just(0.0),
        Just(-0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
    ]
}

fn single() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        any::<f32>(),
        (-100_000i32..100_000).prop_map(|m| m as f32 / 100.0),
    ]
}

fn list<T: std::fmt::Debug>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    proptest::collection::vec(value, 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn doubles_read_as_before(values in list(double())) {
        reads_as_before(&values)?;
    }

    #[test]
    fn floats_read_as_before(values in list(single())) {
        reads_as_before(&values)?;
    }

    #[test]
    fn integers_read_as_before(
        a in list(any::<i32>()),
        b in list(any::<u32>()),
        c in list(any::<i64>()),
        d in list(any::<u64>()),
        e in list(any::<i16>()),
    ) {
        reads_as_before(&a)?;
        reads_as_before(&b)?;
        reads_as_before(&c)?;
        reads_as_before(&d)?;
        reads_as_before(&e)?;
    }

    #[test]
    fn bools_and_bytes_read_as_before(
        flags in list(any::<bool>()),
        small in list(any::<u8>()),
        raw in list(any::<u8>()),
    ) {
        reads_as_before(&flags)?;
        reads_as_before(&small)?;
        reads_as_before(&raw.into_iter().map(Byte).collect::<Vec<_>>())?;
    }

    #[test]
    fn text_reads_as_before(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 1..40),
            "[a-zé ,.!\\x00]{1,40}".prop_map(String::into_bytes),
        ],
    ) {
        let total = bytes.len();
        let first = &bytes[..total.min(TEXT_CHARS)];
        let expected = preview_text(first, total);
        for text in texts_after_the_trip(&preview_chars(first, total)) {
            prop_assert_eq!(&text, &expected);
        }
    }

    #[test]
    fn a_long_buffer_reads_only_its_shown_values(total in 1usize..5_000, seed in any::<u64>()) {
        let value = |i: usize| (i as f64).mul_add(0.37, seed as f64 * 1e-9);
        let reads = std::cell::Cell::new(0);
        let values = preview_read(total, |i| {
            reads.set(reads.get() + 1);
            value(i)
        });
        let all: Vec<f64> = (0..total).map(value).collect();
        prop_assert_eq!(values.to_string(), as_before(&all));
        prop_assert_eq!(reads.get(), total.min(HEAD + TAIL));
    }
}
