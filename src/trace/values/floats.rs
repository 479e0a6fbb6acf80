//! The quick ways to a double's preview: the text the general way writes
//! (Debug's shortest form, rounded when longer than 10 characters), found
//! with integer arithmetic on the double's bits where that is exact, and
//! with scaled doubles only where a rounding error cannot change a digit.
//! Rank 0's log shows a few doubles for a watched program's every send,
//! and the general way costs a few hundred instructions each
//! (BENCHMARKS.md). Each writes its text on the stack first, then into the
//! preview at once.

use std::fmt::Write;
use std::sync::OnceLock;

use super::shown::FLOAT_CHARS;

/// The double's 53-bit significand and its power of two:
/// `|x| = significand * 2^exponent`. Normal doubles only.
fn parts(x: f64) -> Option<(u64, i32)> {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 || biased == 0x7ff {
        return None;
    }
    Some(((bits & ((1 << 52) - 1)) | (1 << 52), biased - 1075))
}

/// `x` (of magnitude in 1e-3..1e6) written as Debug writes it, when its
/// exact value is a short decimal: a whole number, or a fraction of a
/// power of two with few digits (`43.75`). Such a decimal is its shortest
/// form: any shorter one is farther off than half an ulp. Declines (false,
/// nothing written) when that form would be longer than [`FLOAT_CHARS`].
pub(super) fn short_decimal(x: f64, out: &mut String) -> bool {
    let Some((significand, exponent)) = parts(x) else {
        return false;
    };
    let zeros = significand.trailing_zeros() as i32;
    let (odd, exponent) = (significand >> zeros, exponent + zeros);
    // Binary places after the point; each is one decimal place too.
    let places = (-exponent).max(0) as u32;
    if places > 9 {
        return false;
    }
    // Below 10^6 * 2^9 each, so neither overflows.
    let digits = if exponent >= 0 {
        odd.checked_shl(exponent as u32)
    } else {
        odd.checked_mul(5u64.pow(places))
    };
    let Some(digits) = digits.filter(|&d| d < 1 << 60) else {
        return false;
    };
    let unit = 10u64.pow(places);
    let mut text = Text::new(x < 0.0);
    text.number(digits / unit, 1);
    text.push(b'.');
    text.number(digits % unit, places.max(1));
    text.len() <= FLOAT_CHARS && text.write_to(out)
}

/// `x` (of magnitude in 1e-3..1e6) to 6 decimals as `{:.6}` writes it,
/// without the zeros (and point) that end it: the product by 10^6 is
/// exact in 128 bits, and rounded half to even as the formatter does.
pub(super) fn write_fixed(x: f64, out: &mut String) {
    let shift = parts(x).and_then(|(_, exponent)| u32::try_from(-exponent).ok());
    let (Some((significand, _)), Some(shift @ 21..=100)) = (parts(x), shift) else {
        // Out of the range (a zero, a subnormal, a large one): the
        // formatter itself.
        let start = out.len();
        let _ = write!(out, "{x:.6}");
        let kept = out[start..].trim_end_matches('0').len();
        let kept = kept - usize::from(out[start..start + kept].ends_with('.'));
        out.truncate(start + kept);
        return;
    };
    let scaled = u128::from(significand) * 1_000_000;
    let kept = (scaled >> shift) as u64;
    let rest = scaled & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = rest > half || (rest == half && kept % 2 == 1);
    let millionths = kept + u64::from(up);
    let mut text = Text::new(x < 0.0);
    text.number(millionths / 1_000_000, 1);
    let mut fraction = millionths % 1_000_000;
    if fraction != 0 {
        let mut places = 6;
        while fraction % 10 == 0 {
            fraction /= 10;
            places -= 1;
        }
        text.push(b'.');
        text.number(fraction, places);
    }
    text.write_to(out);
}

/// Writes `{x:.4e}`, the rounding of a long form out of the fixed
/// range (1e-3..1e6), when `x`'s shortest form is surely longer than
/// [`FLOAT_CHARS`] and its fifth digit surely rounds one way. Declines
/// (false, nothing written) otherwise, and for the extremes of the range.
pub(super) fn exponential(x: f64, out: &mut String) -> bool {
    let magnitude = x.abs();
    if !(1e-290..1e290).contains(&magnitude) {
        return false;
    }
    let powers = powers_of_ten();
    let Some(power) = decimal_exponent(magnitude, powers) else {
        return false;
    };
    let negative = x < 0.0;
    if !surely_long(magnitude, power, usize::from(negative), powers) {
        return false;
    }
    let Some(mut digits) = five_digits(magnitude, power, powers) else {
        return false;
    };
    let power = if digits == 100_000 {
        digits = 10_000;
        power + 1
    } else {
        power
    };
    let mut text = Text::new(negative);
    text.number(digits / 10_000, 1);
    text.push(b'.');
    text.number(digits % 10_000, 4);
    text.push(b'e');
    if power < 0 {
        text.push(b'-');
    }
    text.number(u64::from(power.unsigned_abs()), 1);
    text.write_to(out)
}

/// Whether Debug's shortest form of `magnitude` (of power of ten
/// `power`, with `sign` characters before it) is surely longer than
/// [`FLOAT_CHARS`]: a short form has at most `allowed` digits, so the
/// magnitude times `10^(allowed - 1 - power)` would be a whole number
/// below 10^9 to within 1e-6; farther off (1e-4 leaves room), it is long.
fn surely_long(magnitude: f64, power: i32, sign: usize, powers: &Powers) -> bool {
    let allowed = match power {
        // `0.000ddd`
        -4 => FLOAT_CHARS - sign - 5,
        // `ddddddd.dd`
        6..=15 => FLOAT_CHARS - sign - 1,
        // `d.ddde-N`: digits, a point, an `e` and the exponent.
        _ => {
            let exponent = decimal_length(u64::from(power.unsigned_abs())) + usize::from(power < 0);
            FLOAT_CHARS - sign - 2 - exponent
        }
    };
    let Some(scale) = powers.ten_to(allowed as i32 - 1 - power) else {
        return false;
    };
    // Below 10^10: the nearest whole number without a call to `round`
    // (through i64, whose conversions are single instructions).
    let scaled = magnitude * scale;
    let nearest = (scaled + 0.5) as i64 as f64;
    (scaled - nearest).abs() > 1e-4
}

/// The first five digits of `magnitude` (whose power of ten is `power`)
/// rounded half to even, as `{:.4e}` rounds them; None when the scaled
/// double is too near a tie or a power of ten for its error (below
/// 1e-10) to be surely harmless.
fn five_digits(magnitude: f64, power: i32, powers: &Powers) -> Option<u64> {
    let scaled = magnitude * powers.ten_to(4 - power)?;
    if !(1e4 + 1e-6..1e5 - 1e-6).contains(&scaled) {
        return None;
    }
    // Through i64, as in `surely_long`: the same for these magnitudes.
    let whole = scaled as i64;
    let above = scaled - whole as f64;
    if (above - 0.5).abs() < 1e-6 {
        return None;
    }
    Some(whole.unsigned_abs() + u64::from(above > 0.5))
}

/// The power of ten of `magnitude` (`floor(log10)`), from its power of
/// two; None near a power of ten, where the table's rounding could tip it.
fn decimal_exponent(magnitude: f64, powers: &Powers) -> Option<i32> {
    let (_, exponent) = parts(magnitude)?;
    // floor(log10(2^binary)), exact for binary within ±1650.
    let binary = exponent + 52;
    let mut power = (binary * 78_913) >> 18;
    while magnitude >= powers.ten_to(power + 1)? {
        power += 1;
    }
    while magnitude < powers.ten_to(power)? {
        power -= 1;
    }
    let far_from = |edge: f64| (magnitude / edge - 1.0).abs() > 1e-12;
    (far_from(powers.ten_to(power)?) && far_from(powers.ten_to(power + 1)?)).then_some(power)
}

/// The doubles nearest the powers of ten from 10^-300 to 10^300.
struct Powers(Vec<f64>);

impl Powers {
    fn ten_to(&self, power: i32) -> Option<f64> {
        self.0.get(usize::try_from(power + 300).ok()?).copied()
    }
}

fn powers_of_ten() -> &'static Powers {
    static POWERS: OnceLock<Powers> = OnceLock::new();
    POWERS.get_or_init(|| {
        // Parsing rounds correctly; a product of powers would not.
        Powers(
            (-300..=300)
                .map(|p| format!("1e{p}").parse().unwrap_or(f64::NAN))
                .collect(),
        )
    })
}

fn decimal_length(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// A number's text, built on the stack: the longest written here is a
/// sign and 20 digits and a point and 6 decimals.
struct Text {
    bytes: [u8; 40],
    len: usize,
}

impl Text {
    fn new(negative: bool) -> Self {
        let mut text = Text {
            bytes: [0; 40],
            len: 0,
        };
        if negative {
            text.push(b'-');
        }
        text
    }

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `n` in at least `width` digits, zeros first.
    fn number(&mut self, mut n: u64, width: u32) {
        let digits = decimal_length(n).max(width as usize);
        let end = self.len + digits;
        for at in (self.len..end).rev() {
            self.bytes[at] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        self.len = end;
    }

    /// Appends the text to `out`; true.
    fn write_to(&self, out: &mut String) -> bool {
        let ascii = &self.bytes[..self.len];
        debug_assert!(ascii.is_ascii());
        // SAFETY: a `Text` holds only ASCII (digits, '-', '.', 'e'), which
        // is UTF-8: no need to check it again for every double.
        out.push_str(unsafe { std::str::from_utf8_unchecked(ascii) });
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{:.6}` without the zeros and point that end it.
    fn formatted(x: f64) -> String {
        let fixed = format!("{x:.6}");
        let trimmed = fixed.trim_end_matches('0');
        trimmed.strip_suffix('.').unwrap_or(trimmed).to_string()
    }

    #[test]
    fn numbers_are_written_as_the_formatter_writes_them_zeros_first() {
        let mut values = vec![0, 1, 9, 10, 99, 100, 101, 999, u64::MAX];
        let mut n = 7u64;
        while n < u64::MAX / 11 {
            values.extend([n - 1, n, n + 1]);
            n = n * 11 + 3;
        }
        for n in values {
            for width in [1, 2, 4, 6, 9] {
                let mut text = Text::new(false);
                text.number(n, width);
                let mut out = String::new();
                text.write_to(&mut out);
                assert_eq!(
                    out,
                    format!("{n:0width$}", width = width as usize),
                    "{n} {width}"
                );
            }
        }
    }

    #[test]
    fn six_decimals_round_as_the_formatter_does_ties_included() {
        let mut values = Vec::new();
        for whole in [0.0, 1.0, 7.0, 123.0, 4096.0, 99_999.0, 999_998.0] {
            for k in 0..512 {
                // Ties at the seventh decimal (k/128), and finer fractions.
                values.push(whole + f64::from(k) / 128.0);
                values.push(whole + f64::from(k) / 1_048_576.0);
                values.push(whole + f64::from(k) * 0.000_000_5);
            }
        }
        for x in values.into_iter().filter(|x| (1e-3..1e6).contains(x)) {
            for x in [x, -x, x.next_up(), x.next_down()] {
                let mut out = String::new();
                write_fixed(x, &mut out);
                assert_eq!(out, formatted(x), "{x:?}");
            }
        }
    }
}
