//! How each kind of value is written in a preview, and the preview's
//! text from the values shown: `[0.0, 1.0, 2.0 … 99.0]`, `"hello"`.

use std::fmt::Write;

use super::floats::{self, write_fixed};
use super::Kind;

/// One value as the preview keeps it (its bytes, little-endian, as a
/// [`super::Raw`] holds them) and writes it.
pub trait Shown: Copy {
    /// The kind a preview of these values records.
    const KIND: Kind;
    fn show(self, out: &mut String);
    /// Its bytes into `into`, which is as long as the value.
    fn store(self, into: &mut [u8]);
    /// Back from the bytes [`Shown::store`] wrote.
    fn load(from: &[u8]) -> Self;
}

/// Numbers written by their `Display`, kept as their little-endian bytes.
macro_rules! shown_plain {
    ($($t:ty => $kind:ident),*) => {$(
        impl Shown for $t {
            const KIND: Kind = Kind::$kind;
            fn show(self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
            #[inline]
            fn store(self, into: &mut [u8]) {
                into.copy_from_slice(&self.to_le_bytes());
            }
            fn load(from: &[u8]) -> Self {
                let mut bytes = [0; size_of::<$t>()];
                bytes.copy_from_slice(from);
                <$t>::from_le_bytes(bytes)
            }
        }
    )*};
}
shown_plain!(i16 => I16, i32 => I32, i64 => I64, u8 => U8, u32 => U32, u64 => U64);

impl Shown for bool {
    const KIND: Kind = Kind::Bool;
    fn show(self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
    #[inline]
    fn store(self, into: &mut [u8]) {
        into[0] = u8::from(self);
    }
    fn load(from: &[u8]) -> Self {
        from[0] != 0
    }
}

/// Characters a float is written in before it is rounded.
pub(super) const FLOAT_CHARS: usize = 10;

impl Shown for f32 {
    const KIND: Kind = Kind::F32;
    fn show(self, out: &mut String) {
        let start = out.len();
        let _ = write!(out, "{self:?}");
        round_if_long(f64::from(self), start, out);
    }
    #[inline]
    fn store(self, into: &mut [u8]) {
        self.to_bits().store(into);
    }
    fn load(from: &[u8]) -> Self {
        f32::from_bits(u32::load(from))
    }
}

impl Shown for f64 {
    const KIND: Kind = Kind::F64;
    #[inline]
    fn store(self, into: &mut [u8]) {
        self.to_bits().store(into);
    }
    fn load(from: &[u8]) -> Self {
        f64::from_bits(u64::load(from))
    }
    fn show(self, out: &mut String) {
        let magnitude = self.abs();
        if self == 0.0 {
            out.push_str(if self.is_sign_negative() {
                "-0.0"
            } else {
                "0.0"
            });
            return;
        }
        if ROUNDED_FIXED.contains(&magnitude) {
            if floats::short_decimal(self, out) {
                return;
            }
            if surely_long(self) {
                write_fixed(self, out);
                return;
            }
        } else if floats::exponential(self, out) {
            return;
        }
        let start = out.len();
        let _ = write!(out, "{self:?}");
        round_if_long(self, start, out);
    }
}

/// Where a long float is rounded to 6 decimals rather than to 4 digits
/// and an exponent.
const ROUNDED_FIXED: std::ops::Range<f64> = 1e-3..1e6;

/// Debug's shortest form, just written from `start` of `out`, keeps the
/// `.0` of whole numbers (`1.0`, not `1`); a long one is written again,
/// rounded to 6 decimals, or 4 digits and an exponent. Written in place,
/// with no text of its own: rank 0's log shows some for every send.
fn round_if_long(x: f64, start: usize, out: &mut String) {
    if out.len() - start <= FLOAT_CHARS || !x.is_finite() {
        return;
    }
    out.truncate(start);
    if ROUNDED_FIXED.contains(&x.abs()) {
        write_fixed(x, out);
    } else {
        let _ = write!(out, "{x:.4e}");
    }
}

/// Whether the shortest form of `x` (in [`ROUNDED_FIXED`]) is surely
/// longer than [`FLOAT_CHARS`], told without writing it: most of a
/// program's doubles are, and writing one costs as much as rounding it.
///
/// A short form `I.F` has at most `9 - I` decimals (`I` its integer
/// digits, one for `0.`), so it is a whole number once multiplied by
/// `10^(10 - I)`; the double it stands for is within 2^-53 of it, and the
/// product is below 10^10, so `x` times that power is within 3e-6 of a
/// whole number (1e-5 leaves room). Farther off, the form is long. Not
/// for `f32`, whose shortest form stands for a far wider interval.
fn surely_long(x: f64) -> bool {
    const SCALE: [f64; 6] = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4];
    const POWERS: [f64; 5] = [1e1, 1e2, 1e3, 1e4, 1e5];
    let magnitude = x.abs();
    let more_digits = POWERS.iter().take_while(|&&p| magnitude >= p).count();
    let scaled = magnitude * SCALE[more_digits];
    (scaled - scaled.round()).abs() > 1e-5
}

/// A byte of raw data (`MPI_BYTE`): shown in hex.
#[derive(Debug, Clone, Copy)]
#[repr(transparent)]
pub struct Byte(pub u8);

impl Shown for Byte {
    const KIND: Kind = Kind::Byte;
    fn show(self, out: &mut String) {
        let _ = write!(out, "0x{:02x}", self.0);
    }
    #[inline]
    fn store(self, into: &mut [u8]) {
        into[0] = self.0;
    }
    fn load(from: &[u8]) -> Self {
        Byte(from[0])
    }
}

/// `[0.0, 1.0, 2.0 … 99.0]` from the first values of a buffer (`head`),
/// its last ones (`tail`, empty when `head` is all of it) and how many
/// values it holds.
pub fn preview_parts<T: Shown>(head: &[T], tail: &[T], total: usize) -> String {
    // Room for four rounded floats: one allocation a preview.
    let mut out = String::with_capacity(64);
    out.push('[');
    for (i, v) in head.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        v.show(&mut out);
    }
    if head.len() + tail.len() < total {
        out.push_str(" …");
    } else if !tail.is_empty() {
        out.push(',');
    }
    for v in tail {
        out.push(' ');
        v.show(&mut out);
    }
    out.push(']');
    out
}

/// A buffer of characters (`MPI_CHAR`) as text, `"hello, world"`, from
/// its first bytes (`bytes`, at most [`super::TEXT_CHARS`] of `total`): up to the
/// first NUL, else with `…` when the buffer goes on.
pub fn preview_text(bytes: &[u8], total: usize) -> String {
    let end = bytes.iter().position(|&b| b == 0);
    let text = String::from_utf8_lossy(&bytes[..end.unwrap_or(bytes.len())]);
    let more = if end.is_none() && total > bytes.len() {
        "…"
    } else {
        ""
    };
    format!("{text:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_floats_are_rounded() {
        let v = [std::f64::consts::PI, 1.0 / 3.0e9, 0.25];
        assert_eq!(preview_parts(&v, &[], 3), "[3.141593, 3.3333e-10, 0.25]");
    }

    /// The rounding as first written, a String for each form: the text
    /// written in place must stay the same.
    fn rounded_with_copies(x: f64, shortest: String) -> String {
        if shortest.len() <= FLOAT_CHARS || !x.is_finite() {
            shortest
        } else if (1e-3..1e6).contains(&x.abs()) {
            let fixed = format!("{x:.6}");
            let trimmed = fixed.trim_end_matches('0');
            trimmed.strip_suffix('.').unwrap_or(trimmed).to_string()
        } else {
            format!("{x:.4e}")
        }
    }

    #[test]
    fn floats_written_in_place_read_as_before() {
        let mut values: Vec<f64> = vec![0.0, -0.0, 1.0, 0.1, 1e-3, 999_999.5, 1e6, 1e300, 5e-324];
        values.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2.0f64.sqrt()]);
        values.extend((1..400).map(|i| f64::from(i) * 0.37 - 70.0));
        values.extend((1..200).map(|i| 1.0 / f64::from(i).powi(3)));
        values.extend((1..200).map(|i| 1.5f64.powi(i) - 2.0));
        // Short forms and their neighbours, where a shortcut could slip.
        for digits in [1e1, 1e3, 1e5, 1e8, 1e9] {
            for i in [1.0, 7.0, 123.0, 99_999.0, 123_456_789.0] {
                let short: f64 = i / digits;
                values.extend([short, -short, short.next_up(), short.next_down()]);
            }
        }
        values.extend([
            9.999_999_999,
            9.999_999_99,
            99_999.999_9,
            0.001_234_5,
            0.999_999_999_9,
        ]);
        // Doubles spread over the range the rounding covers, and past it.
        let mut bits = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            let x = 10f64.powf(unit * 10.0 - 4.0) * if bits & 1 == 0 { 1.0 } else { -1.0 };
            values.extend([x, (x * 1e4).round() / 1e4, (x * 1e7).round() / 1e7]);
        }
        for x in values {
            let mut out = String::new();
            x.show(&mut out);
            assert_eq!(out, rounded_with_copies(x, format!("{x:?}")), "{x:?}");
            let single = x as f32;
            let mut out = String::from("[");
            single.show(&mut out);
            let expected = rounded_with_copies(f64::from(single), format!("{single:?}"));
            assert_eq!(out, format!("[{expected}"), "{single:?}");
        }
    }

    /// Doubles where the quick ways could go wrong: every power of two
    /// and ten with their neighbours, ties at the sixth decimal, short
    /// binary fractions, a heat stencil's values, and random bit patterns
    /// over the whole range.
    fn awkward_doubles() -> Vec<f64> {
        let mut values = Vec::new();
        let around = |x: f64| [x, x.next_up(), x.next_down(), -x];
        for p in -330..310 {
            values.extend(around(10f64.powi(p)));
            values.extend(around(format!("1e{p}").parse().unwrap()));
            values.extend(around(format!("9.9999e{p}").parse().unwrap()));
            values.extend(around(format!("1.23455e{p}").parse().unwrap()));
        }
        for p in -1074..1024 {
            values.extend(around(2f64.powi(p)));
        }
        for k in 1..4000u32 {
            values.extend(around(f64::from(k) / 1024.0));
            values.extend(around(f64::from(k) / 2f64.powi(20) + 0.001));
            values.extend(around((f64::from(k) + 0.5) / 1e6));
            values.extend(around(f64::from(k) * 1234.5));
        }
        let mut row = [0.0f64; 64];
        for _ in 0..300 {
            row[0] = 100.0;
            let last = row;
            for j in 1..63 {
                row[j] = 0.25 * (last[j - 1] + 2.0 * last[j] + last[j + 1]);
            }
            values.extend(row);
        }
        let mut bits = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..60_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            values.push(f64::from_bits(bits));
            // And from 1e-6 to 1e16, some of them short.
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            let x = 10f64.powf(unit * 22.0 - 6.0);
            let short = |digits: i32| {
                let scale = 10f64.powi(digits - 1 - x.log10().floor() as i32);
                (x * scale).round() / scale
            };
            values.extend([x, short(2), short(5), short(8)]);
        }
        values
    }

    #[test]
    fn the_quick_ways_write_what_the_formatter_writes() {
        for x in awkward_doubles() {
            let mut out = String::new();
            x.show(&mut out);
            assert_eq!(out, rounded_with_copies(x, format!("{x:?}")), "{x:?}");
        }
    }
}
