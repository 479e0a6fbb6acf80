//! A rank's side of the preview of a buffer's values (`[0.0, 1.0, 2.0 …
//! 99.0]`): it takes the values shown, raw ([`Raw`]), and rank 0 writes
//! their text when it is read ([`crate::trace::values`]). Bounded whatever
//! the buffer's size (never more than `HEAD + TAIL` values are read), and
//! off for the whole process with [`show_values`] (`--no-values`) for
//! large runs.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::trace::values::Raw;
pub use crate::trace::values::{Byte, Shown, Values, HEAD, TAIL, TEXT_CHARS};

static ON: AtomicBool = AtomicBool::new(true);

/// Whether calls preview their values (on unless `--no-values`).
pub fn values_on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Turns the previews on or off for this process.
pub fn show_values(on: bool) {
    ON.store(on, Ordering::Relaxed);
}

/// The preview of `values`, or None when previews are off or there is
/// nothing to show.
pub fn preview<T: Shown>(values: &[T]) -> Option<Values> {
    if !values_on() || values.is_empty() {
        return None;
    }
    Some(Raw::of_values(values.len(), |i| values[i]).into())
}

/// The preview of `total` values of `T`, `get(i)` reading the `i`-th
/// (the first is at 0): only the values shown are read.
#[inline]
pub fn preview_read<T: Shown>(total: usize, get: impl Fn(usize) -> T) -> Values {
    Raw::of_values(total, get).into()
}

/// The preview of a buffer of `total` characters (`MPI_CHAR`), as text,
/// from its first bytes (`first`, at most [`TEXT_CHARS`] are kept).
#[inline]
pub fn preview_chars(first: &[u8], total: usize) -> Values {
    Raw::of_chars(first, total).into()
}

#[cfg(test)]
mod tests;
