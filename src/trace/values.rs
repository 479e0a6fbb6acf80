//! The values a call sends, puts in or receives, previewed: the first few
//! and the last, `[0.0, 1.0, 2.0 … 99.0]`.
//!
//! A rank takes only the raw values ([`Raw`]: the datatype's kind, the
//! buffer's count and the bits of the at most [`HEAD`] + [`TAIL`] values
//! shown; a `Copy` value, no allocation, no text) and sends them that way
//! on the wire: writing a double's text cost a watched program's every
//! send about a thousand instructions on its own thread (BENCHMARKS.md).
//! Rank 0 writes the text only when something reads it (the log, the
//! view, a recording); most values are never read, as the live view shows
//! a few messages at a time.
//!
//! [`Values`] is the one type for both forms, so the schema stays one: it
//! is read through its text ([`Values::text`], `Display`), compares by its
//! text, and a recording holds the text as it always has; a recording
//! read back gives values that hold only their text. A second type for
//! the rank's side would have made a second schema of every event that
//! carries values.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use shown::{preview_parts, preview_text, Byte, Shown};

mod floats;
mod shown;

/// Values shown from the start of a buffer.
pub const HEAD: usize = 3;
/// Values shown from its end.
pub const TAIL: usize = 1;
/// Characters of text shown from a buffer of characters.
pub const TEXT_CHARS: usize = 24;

/// Room in a [`Raw`]: the widest values shown, or a text's first bytes.
const HELD_BYTES: usize = 32;
const _: () = assert!((HEAD + TAIL) * 8 <= HELD_BYTES && TEXT_CHARS <= HELD_BYTES);

/// How many of `total` values are shown from the end: the last [`TAIL`],
/// once there are more than the preview shows in all.
fn tail_shown(total: u64) -> usize {
    if total > (HEAD + TAIL) as u64 {
        TAIL
    } else {
        0
    }
}

/// What the values of a buffer are, as the preview writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    F64,
    F32,
    I32,
    U32,
    I64,
    U64,
    I16,
    Bool,
    U8,
    /// Raw data (`MPI_BYTE`), in hex.
    Byte,
    /// Characters (`MPI_CHAR`), as quoted text.
    Chars,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::F64,
        Kind::F32,
        Kind::I32,
        Kind::U32,
        Kind::I64,
        Kind::U64,
        Kind::I16,
        Kind::Bool,
        Kind::U8,
        Kind::Byte,
        Kind::Chars,
    ];

    /// The kind numbered `n` (its place in the declaration).
    pub fn from_number(n: u8) -> Option<Kind> {
        Kind::ALL.get(usize::from(n)).copied()
    }

    /// Bytes of one value.
    pub fn size(self) -> usize {
        match self {
            Kind::F64 | Kind::I64 | Kind::U64 => 8,
            Kind::F32 | Kind::I32 | Kind::U32 => 4,
            Kind::I16 => 2,
            Kind::Bool | Kind::U8 | Kind::Byte | Kind::Chars => 1,
        }
    }

    /// Bytes a preview of `total` values of this kind holds.
    fn held_for(self, total: u64) -> usize {
        let shown = if self == Kind::Chars {
            TEXT_CHARS
        } else {
            HEAD + TAIL
        };
        usize::try_from(total).map_or(shown, |t| t.min(shown)) * self.size()
    }
}

/// A buffer's preview before it is text: the bytes of the values shown
/// (little-endian, one after another: the first [`HEAD`], then the last
/// [`TAIL`] when there are more), or of the text's first characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Raw {
    kind: Kind,
    held: u8,
    /// Values in the buffer (characters, for text).
    total: u64,
    /// Zeros past `held`, so equal previews are equal bytes.
    bytes: [u8; HELD_BYTES],
}

impl Raw {
    /// The preview of `total` values of `T`, `get(i)` giving the `i`-th:
    /// only those shown are read.
    #[inline]
    pub fn of_values<T: Shown>(total: usize, get: impl Fn(usize) -> T) -> Raw {
        let mut raw = Raw::empty(T::KIND, total);
        let tail = tail_shown(total as u64);
        let head = total.min(HEAD + TAIL) - tail;
        for i in (0..head).chain(total - tail..total) {
            let at = usize::from(raw.held);
            get(i).store(&mut raw.bytes[at..at + size_of::<T>()]);
            raw.held += size_of::<T>() as u8;
        }
        raw
    }

    /// The preview of a buffer of `total` characters from its first bytes
    /// (at most [`TEXT_CHARS`], and no more than `total`, are kept).
    #[inline]
    pub fn of_chars(first: &[u8], total: usize) -> Raw {
        let first = &first[..first.len().min(TEXT_CHARS).min(total)];
        let mut raw = Raw::empty(Kind::Chars, total);
        raw.bytes[..first.len()].copy_from_slice(first);
        raw.held = first.len() as u8;
        raw
    }

    #[inline]
    fn empty(kind: Kind, total: usize) -> Raw {
        Raw {
            kind,
            held: 0,
            total: total as u64,
            bytes: [0; HELD_BYTES],
        }
    }

    /// A preview read back from its parts (the wire's), or None when they
    /// do not make one: an unknown kind, or other bytes than a preview of
    /// `total` values of that kind holds (a text may hold fewer). Whatever
    /// [`Raw::of_values`] and [`Raw::of_chars`] make reads back, so no
    /// rank's batch is refused.
    pub fn from_parts(kind: u8, total: u64, held: &[u8]) -> Option<Raw> {
        let kind = Kind::from_number(kind)?;
        let most = kind.held_for(total);
        let fits = match kind {
            Kind::Chars => held.len() <= most,
            _ => held.len() == most,
        };
        if !fits {
            return None;
        }
        let mut raw = Raw::empty(kind, 0);
        raw.total = total;
        raw.bytes[..held.len()].copy_from_slice(held);
        raw.held = held.len() as u8;
        Some(raw)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The bytes of the values shown.
    pub fn held(&self) -> &[u8] {
        &self.bytes[..usize::from(self.held)]
    }

    /// The preview's text.
    pub fn text(&self) -> String {
        match self.kind {
            Kind::F64 => self.text_of::<f64>(),
            Kind::F32 => self.text_of::<f32>(),
            Kind::I32 => self.text_of::<i32>(),
            Kind::U32 => self.text_of::<u32>(),
            Kind::I64 => self.text_of::<i64>(),
            Kind::U64 => self.text_of::<u64>(),
            Kind::I16 => self.text_of::<i16>(),
            Kind::Bool => self.text_of::<bool>(),
            Kind::U8 => self.text_of::<u8>(),
            Kind::Byte => self.text_of::<Byte>(),
            Kind::Chars => preview_text(self.held(), self.total_usize()),
        }
    }

    /// The values held, read as `T`s, split into head and tail.
    fn text_of<T: Shown>(&self) -> String {
        let mut values = self.held().chunks_exact(size_of::<T>()).map(T::load);
        let Some(first) = values.next() else {
            return preview_parts::<T>(&[], &[], self.total_usize());
        };
        let mut shown = [first; HEAD + TAIL];
        let mut count = 1;
        for (slot, value) in shown[1..].iter_mut().zip(values) {
            *slot = value;
            count += 1;
        }
        let (head, tail) = shown[..count].split_at(count - tail_shown(self.total));
        preview_parts(head, tail, self.total_usize())
    }

    fn total_usize(&self) -> usize {
        usize::try_from(self.total).unwrap_or(usize::MAX)
    }
}

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Raw")
            .field("kind", &self.kind)
            .field("total", &self.total)
            .field("held", &self.held())
            .finish()
    }
}

/// A preview, raw (as a rank took it) or text (as a recording holds it).
/// No text is kept with the raw values: a call's parts are moved about on
/// the rank's thread, and a kept text would double their size (moved by
/// `memcpy`, a few hundred instructions a call); the text is written each
/// time it is read instead, a few times a frame at most.
#[derive(Clone)]
pub enum Values {
    Raw(Raw),
    Text(String),
}

impl Values {
    /// The preview's text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Values::Raw(raw) => Cow::Owned(raw.text()),
            Values::Text(text) => Cow::Borrowed(text),
        }
    }

    /// The raw values, when this preview came from a rank rather than
    /// from a recording's text.
    pub fn raw(&self) -> Option<&Raw> {
        match self {
            Values::Raw(raw) => Some(raw),
            Values::Text(_) => None,
        }
    }
}

impl From<Raw> for Values {
    #[inline]
    fn from(raw: Raw) -> Self {
        Values::Raw(raw)
    }
}

impl From<String> for Values {
    fn from(text: String) -> Self {
        Values::Text(text)
    }
}

impl From<&str> for Values {
    fn from(text: &str) -> Self {
        Values::Text(text.to_owned())
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        // The same raw values make the same text: no need to write it.
        match (self, other) {
            (Values::Raw(a), Values::Raw(b)) if a == b => true,
            _ => self.text() == other.text(),
        }
    }
}

impl PartialEq<str> for Values {
    fn eq(&self, other: &str) -> bool {
        self.text() == other
    }
}

impl PartialEq<&str> for Values {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// As the text it stands for, so an event's debug print reads as it did.
impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Values::Text)
    }
}

#[cfg(test)]
mod tests;
