//! Keys from a raw byte stream. Under a bare `mpiexec` the keys reach rank 0
//! through its stdin pipe, which crossterm's reader cannot read, so we
//! decode the few keys mpi-tutor uses ourselves.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    CtrlC,
    /// Not a key: no key can be read any more (stdin ended and the
    /// terminal cannot be read either).
    Unavailable,
    /// Not a key: the teacher's terminal, relayed from another host, now
    /// has this many columns and rows (see [`resize_sequence`]).
    Resize(u16, u16),
}

/// The private sequence a relaying launcher puts in the key stream when
/// the teacher's terminal is resized: `ESC [ = COLS ; ROWS w`. No terminal
/// sends a CSI with the `=` marker as input, so it cannot be a key.
pub fn resize_sequence(columns: u16, rows: u16) -> Vec<u8> {
    format!("\x1b[={columns};{rows}w").into_bytes()
}

/// Decodes bytes into keys; keeps an incomplete escape sequence for the
/// next chunk.
#[derive(Debug, Default)]
pub struct KeyDecoder {
    pending: Vec<u8>,
}

impl KeyDecoder {
    /// `more` tells whether another read is likely to continue a lone
    /// ESC; when false it is the Esc key.
    pub fn feed(&mut self, bytes: &[u8], more: bool) -> Vec<Key> {
        self.pending.extend_from_slice(bytes);
        let mut keys = Vec::new();
        let mut i = 0;
        let b = &self.pending;
        while i < b.len() {
            let (key, used) = match b[i] {
                0x03 => (Some(Key::CtrlC), 1),
                b'\r' | b'\n' => (Some(Key::Enter), 1),
                b'\t' => (Some(Key::Tab), 1),
                0x1b => match escape(&b[i..]) {
                    Some((key, used)) => (key, used),
                    // A sequence begun (ESC [) waits for its end whatever
                    // `more` says: a relay may split it between reads.
                    None if more || b.len() - i > 1 => break,
                    None => (Some(Key::Esc), 1),
                },
                c if c.is_ascii_graphic() || c == b' ' => (Some(Key::Char(c as char)), 1),
                _ => (None, 1),
            };
            keys.extend(key);
            i += used;
        }
        self.pending.drain(..i);
        keys
    }
}

/// An escape sequence at the start of `b`: Some((key, length)), with key
/// None for sequences we ignore; None when `b` may be an incomplete one.
fn escape(b: &[u8]) -> Option<(Option<Key>, usize)> {
    match b.get(1) {
        None => None,
        Some(b'[') | Some(b'O') => {
            let rest = &b[2..];
            let end = rest.iter().position(|c| (0x40..=0x7e).contains(c))?;
            let key = match (&rest[..end], rest[end]) {
                (parameters, b'w') if parameters.starts_with(b"=") => resize(&parameters[1..]),
                (_, b'A') => Some(Key::Up),
                (_, b'B') => Some(Key::Down),
                (_, b'C') => Some(Key::Right),
                (_, b'D') => Some(Key::Left),
                (_, b'H') | (b"1", b'~') | (b"7", b'~') => Some(Key::Home),
                (_, b'F') | (b"4", b'~') | (b"8", b'~') => Some(Key::End),
                (_, b'Z') => Some(Key::BackTab),
                (b"5", b'~') => Some(Key::PageUp),
                (b"6", b'~') => Some(Key::PageDown),
                _ => None,
            };
            Some((key, 2 + end + 1))
        }
        // ESC followed by something else: Esc, then that key.
        Some(_) => Some((Some(Key::Esc), 1)),
    }
}

/// `COLS;ROWS` of a resize sequence.
fn resize(parameters: &[u8]) -> Option<Key> {
    let text = std::str::from_utf8(parameters).ok()?;
    let (columns, rows) = text.split_once(';')?;
    Some(Key::Resize(columns.parse().ok()?, rows.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_and_ctrl_c() {
        let mut d = KeyDecoder::default();
        assert_eq!(
            d.feed(b"q n\x03\t", false),
            vec![
                Key::Char('q'),
                Key::Char(' '),
                Key::Char('n'),
                Key::CtrlC,
                Key::Tab
            ]
        );
    }

    #[test]
    fn arrows_and_pages() {
        let mut d = KeyDecoder::default();
        assert_eq!(
            d.feed(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[5~\x1b[6~\x1b[Z", false),
            vec![
                Key::Up,
                Key::Down,
                Key::Right,
                Key::Left,
                Key::PageUp,
                Key::PageDown,
                Key::BackTab
            ]
        );
    }

    #[test]
    fn a_split_sequence_waits_for_its_end() {
        let mut d = KeyDecoder::default();
        assert_eq!(d.feed(b"\x1b[", true), vec![]);
        assert_eq!(d.feed(b"C", true), vec![Key::Right]);
    }

    #[test]
    fn a_lone_escape_is_esc() {
        let mut d = KeyDecoder::default();
        assert_eq!(d.feed(b"\x1b", false), vec![Key::Esc]);
    }

    #[test]
    fn a_resize_travels_in_the_key_stream() {
        let mut d = KeyDecoder::default();
        let mut stream = b"n".to_vec();
        stream.extend(resize_sequence(132, 43));
        stream.extend(b"q");
        assert_eq!(
            d.feed(&stream, false),
            vec![Key::Char('n'), Key::Resize(132, 43), Key::Char('q')]
        );
    }

    #[test]
    fn a_resize_split_across_reads_waits_for_its_end() {
        let mut d = KeyDecoder::default();
        assert_eq!(d.feed(b"\x1b[=80;2", true), vec![]);
        assert_eq!(d.feed(b"4w", false), vec![Key::Resize(80, 24)]);
    }
}
