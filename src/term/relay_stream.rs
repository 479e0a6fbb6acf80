//! What the launcher reads from mpiexec's output when rank 0 draws from
//! another host: the frames, passed on to the teacher's terminal, with two
//! things picked out of them. The view leaving the alternate screen means
//! the terminal can be given back at once (so whatever follows is written
//! to a cooked terminal), and rank 0's last words travel inside a private
//! sequence (an APC string), to be said after mpiexec has exited, as the
//! FIFO of [`super::last_words`] carries them on one host.

/// Entering the alternate screen, as rank 0 writes it.
pub const ENTER: &[u8] = b"\x1b[?1049h";
/// Leaving the alternate screen.
pub const LEAVE: &[u8] = b"\x1b[?1049l";
/// The start of rank 0's last words; they end at [`LAST_END`].
pub const LAST_START: &[u8] = b"\x1b_mpi-tutor-last ";
/// The end of an APC string (ST).
pub const LAST_END: &[u8] = b"\x1b\\";
/// Last words longer than this are not ours: passed on as they are.
const LAST_LIMIT: usize = 4096;

/// Rank 0's `line`, wrapped to travel in its output.
pub fn wrap_last_words(line: &str) -> Vec<u8> {
    let mut bytes = LAST_START.to_vec();
    // An ESC inside would end the string early; a line has none.
    bytes.extend(line.bytes().filter(|&b| b != 0x1b));
    bytes.extend_from_slice(LAST_END);
    bytes
}

/// One piece of the output, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes for the terminal.
    Bytes(Vec<u8>),
    /// The view entered (true) or left (false) the alternate screen; the
    /// sequence itself is in the bytes before this.
    Screen(bool),
    /// Rank 0's last words, not for the terminal now.
    LastWords(String),
}

/// Splits the output into pieces, keeping a sequence cut between two reads
/// until its end arrives.
#[derive(Default)]
pub struct RelayStream {
    pending: Vec<u8>,
}

impl RelayStream {
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Piece> {
        self.pending.extend_from_slice(bytes);
        let mut pieces = Vec::new();
        let mut plain = Vec::new();
        let mut i = 0;
        let b = std::mem::take(&mut self.pending);
        while i < b.len() {
            if b[i] != 0x1b {
                plain.push(b[i]);
                i += 1;
                continue;
            }
            match sequence(&b[i..]) {
                Found::Incomplete => break,
                Found::Other => {
                    plain.push(b[i]);
                    i += 1;
                }
                Found::Screen(on) => {
                    // ENTER and LEAVE have the same length.
                    plain.extend_from_slice(&b[i..i + ENTER.len()]);
                    pieces.push(Piece::Bytes(std::mem::take(&mut plain)));
                    pieces.push(Piece::Screen(on));
                    i += ENTER.len();
                }
                Found::LastWords(text, used) => {
                    pieces.push(Piece::Bytes(std::mem::take(&mut plain)));
                    pieces.push(Piece::LastWords(text));
                    i += used;
                }
            }
        }
        self.pending = b[i..].to_vec();
        pieces.push(Piece::Bytes(plain));
        pieces.retain(|p| !matches!(p, Piece::Bytes(bytes) if bytes.is_empty()));
        pieces
    }

    /// What is left when the output ends: an unfinished sequence is
    /// passed on as it is.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// What an ESC at the start of `b` begins.
enum Found {
    /// Perhaps one of ours, cut off: wait for more.
    Incomplete,
    /// Not one of ours.
    Other,
    Screen(bool),
    /// The words and the length of the whole sequence.
    LastWords(String, usize),
}

fn sequence(b: &[u8]) -> Found {
    for (marker, on) in [(ENTER, true), (LEAVE, false)] {
        if b.starts_with(marker) {
            return Found::Screen(on);
        }
        if marker.starts_with(b) {
            return Found::Incomplete;
        }
    }
    if LAST_START.starts_with(b) {
        return Found::Incomplete;
    }
    if !b.starts_with(LAST_START) {
        return Found::Other;
    }
    let body = &b[LAST_START.len()..];
    match body.windows(LAST_END.len()).position(|w| w == LAST_END) {
        Some(end) => Found::LastWords(
            String::from_utf8_lossy(&body[..end]).into_owned(),
            LAST_START.len() + end + LAST_END.len(),
        ),
        None if body.len() < LAST_LIMIT => Found::Incomplete,
        None => Found::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &[u8]) -> Piece {
        Piece::Bytes(text.to_vec())
    }

    #[test]
    fn frames_pass_and_the_screen_changes_are_seen() {
        let mut stream = RelayStream::default();
        let pieces = stream.feed(b"a\x1b[?1049h\x1b[2Jframe\x1b[?1049lbye");
        assert_eq!(
            pieces,
            vec![
                bytes(b"a\x1b[?1049h"),
                Piece::Screen(true),
                bytes(b"\x1b[2Jframe\x1b[?1049l"),
                Piece::Screen(false),
                bytes(b"bye"),
            ]
        );
    }

    #[test]
    fn a_sequence_cut_between_reads_is_kept_whole() {
        let mut stream = RelayStream::default();
        assert_eq!(stream.feed(b"frame\x1b[?10"), vec![bytes(b"frame")]);
        assert_eq!(
            stream.feed(b"49l\r\n"),
            vec![bytes(LEAVE), Piece::Screen(false), bytes(b"\r\n")]
        );
    }

    #[test]
    fn last_words_are_taken_out_of_the_output() {
        let mut stream = RelayStream::default();
        let mut output = b"x".to_vec();
        output.extend(wrap_last_words("mpi-tutor: the run ended"));
        let (first, second) = output.split_at(9);
        let mut pieces = stream.feed(first);
        pieces.extend(stream.feed(second));
        assert_eq!(
            pieces,
            vec![
                bytes(b"x"),
                Piece::LastWords("mpi-tutor: the run ended".into())
            ]
        );
    }

    #[test]
    fn other_escapes_pass_untouched() {
        let mut stream = RelayStream::default();
        let frame = b"\x1b[1;1H\x1b[38;5;2mok\x1b_other\x1b\\";
        assert_eq!(stream.feed(frame), vec![bytes(frame)]);
        assert!(stream.finish().is_empty());
    }
}
