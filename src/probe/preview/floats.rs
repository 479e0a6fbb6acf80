//! The quick ways to a double's preview: the text the general way writes
//! (Debug's shortest form, rounded when longer than 10 characters), found
//! with integer arithmetic on the double's bits where that is exact, and
//! with scaled doubles only where a rounding error cannot change a digit.
//! A watched program's every send shows a few doubles, and the general
//! way costs a few hundred instructions each (BENCHMARKS.md).

use std::fmt::Write;
use std::sync::OnceLock;

use super::FLOAT_CHARS;

/// The double's sign, its 53-bit significand and its power of two:
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
    let whole = digits / 10u64.pow(places);
    let fraction = digits % 10u64.pow(places);
    let length = usize::from(x < 0.0) + decimal_length(whole) + 1 + places.max(1) as usize;
    if length > FLOAT_CHARS {
        return false;
    }
    if x < 0.0 {
        out.push('-');
    }
    push_decimal(out, whole);
    out.push('.');
    if places == 0 {
        out.push('0');
    } else {
        push_padded(out, fraction, places);
    }
    true
}

/// `x` (of magnitude in 1e-3..1e6) to 6 decimals as `{:.6}` writes it,
/// without the zeros (and point) that end it: the product by 10^6 is
/// exact in 128 bits, and rounded half to even as the formatter does.
pub(super) fn write_fixed(x: f64, out: &mut String) {
    let shift = parts(x).and_then(|(_, exponent)| u32::try_from(-exponent).ok());
    let (Some((significand, _)), Some(shift @ 1..=100)) = (parts(x), shift) else {
        // Out of the range (a zero, a subnormal, a large one): the
        // formatter itself.
        let start = out.len();
        let _ = write!(out, "{x:.6}");
        trim_zeros(out, start);
        return;
    };
    let scaled = u128::from(significand) * 1_000_000;
    let kept = (scaled >> shift) as u64;
    let rest = scaled & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = rest > half || (rest == half && kept % 2 == 1);
    let millionths = kept + u64::from(up);
    if x < 0.0 {
        out.push('-');
    }
    push_decimal(out, millionths / 1_000_000);
    let fraction = millionths % 1_000_000;
    if fraction != 0 {
        out.push('.');
        let start = out.len();
        push_padded(out, fraction, 6);
        out.truncate(start + out[start..].trim_end_matches('0').len());
    }
}

/// Drops the zeros, then the point, that end the number written from
/// `start` of `out` (which has a point).
fn trim_zeros(out: &mut String, start: usize) {
    let kept = out[start..].trim_end_matches('0').len();
    let kept = kept - usize::from(out[start..start + kept].ends_with('.'));
    out.truncate(start + kept);
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
    let Some(power) = decimal_exponent(magnitude) else {
        return false;
    };
    let sign = usize::from(x < 0.0);
    if !surely_long(magnitude, power, sign) {
        return false;
    }
    let Some((mut digits, power)) = five_digits(magnitude, power) else {
        return false;
    };
    let power = if digits == 100_000 {
        digits = 10_000;
        power + 1
    } else {
        power
    };
    if sign == 1 {
        out.push('-');
    }
    push_decimal(out, digits / 10_000);
    out.push('.');
    push_padded(out, digits % 10_000, 4);
    out.push('e');
    if power < 0 {
        out.push('-');
    }
    push_decimal(out, u64::from(power.unsigned_abs()));
    true
}

/// Whether Debug's shortest form of `magnitude` (of power of ten
/// `power`, with `sign` characters before it) is surely longer than
/// [`FLOAT_CHARS`]: a short form has at most `allowed` digits, so the
/// magnitude times `10^(allowed - 1 - power)` would be a whole number
/// below 10^9 to within 1e-6; farther off (1e-4 leaves room), it is long.
fn surely_long(magnitude: f64, power: i32, sign: usize) -> bool {
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
    let Some(scale) = ten_to(allowed as i32 - 1 - power) else {
        return false;
    };
    let scaled = magnitude * scale;
    (scaled - scaled.round()).abs() > 1e-4
}

/// The first five digits of `magnitude` (whose power of ten is `power`)
/// rounded half to even, as `{:.4e}` rounds them, with the power they go
/// with; None when the scaled double is too near a tie or a power of ten
/// for its error (below 1e-10) to be surely harmless.
fn five_digits(magnitude: f64, power: i32) -> Option<(u64, i32)> {
    let scaled = magnitude * ten_to(4 - power)?;
    let near = |edge: f64| (scaled - edge).abs() < 1e-6;
    if near(1e4) || near(1e5) || !(1e4..1e5).contains(&scaled) {
        return None;
    }
    let floor = scaled.floor();
    let above = scaled - floor;
    if (above - 0.5).abs() < 1e-6 {
        return None;
    }
    Some((floor as u64 + u64::from(above > 0.5), power))
}

/// The power of ten of `magnitude` (`floor(log10)`), from its power of
/// two; None near a power of ten, where the table's rounding could tip it.
fn decimal_exponent(magnitude: f64) -> Option<i32> {
    let (_, exponent) = parts(magnitude)?;
    let binary = exponent + 52;
    let mut power = (f64::from(binary) * std::f64::consts::LOG10_2).floor() as i32;
    while magnitude >= ten_to(power + 1)? {
        power += 1;
    }
    while magnitude < ten_to(power)? {
        power -= 1;
    }
    let far_from = |edge: f64| (magnitude / edge - 1.0).abs() > 1e-12;
    (far_from(ten_to(power)?) && far_from(ten_to(power + 1)?)).then_some(power)
}

/// The double nearest 10^`power`, for powers within ±300.
fn ten_to(power: i32) -> Option<f64> {
    static POWERS: OnceLock<Vec<f64>> = OnceLock::new();
    let powers = POWERS.get_or_init(|| {
        // Parsing rounds correctly; a product of powers would not.
        (-300..=300)
            .map(|p| format!("1e{p}").parse().unwrap_or(f64::NAN))
            .collect()
    });
    powers.get(usize::try_from(power + 300).ok()?).copied()
}

fn decimal_length(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

fn push_decimal(out: &mut String, n: u64) {
    push_padded(out, n, 1);
}

/// `n` in at least `width` digits, zeros first: written by hand, as the
/// formatter's machinery costs more than the digits.
fn push_padded(out: &mut String, mut n: u64, width: u32) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || start == digits.len() {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = start.min(digits.len().saturating_sub(width as usize));
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}
