//! Writes a trace as JSON Lines and flushes in small batches, so a file is
//! readable up to its last complete line whatever happens to the run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{Event, EventKind, Header, Outcome};

/// Flush at least this often while events arrive...
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// ...or after this many lines.
const FLUSH_LINES: usize = 4096;

pub struct TraceWriter {
    out: BufWriter<File>,
    unflushed: usize,
    last_flush: Instant,
}

impl TraceWriter {
    pub fn create(path: &Path, header: &Header) -> std::io::Result<Self> {
        let file = File::create(path)?;
        let mut w = TraceWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            unflushed: 0,
            last_flush: Instant::now(),
        };
        serde_json::to_writer(&mut w.out, header)?;
        w.out.write_all(b"\n")?;
        w.flush()?;
        Ok(w)
    }

    pub fn write(&mut self, event: &Event) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")?;
        self.unflushed += 1;
        if self.unflushed >= FLUSH_LINES || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Flushes what has waited long enough; call it when no event comes,
    /// so a quiet run's file is still up to date.
    pub fn flush_if_due(&mut self) -> std::io::Result<()> {
        if self.unflushed > 0 && self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.unflushed = 0;
        self.last_flush = Instant::now();
        Ok(())
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// Ends a trace whose run was killed before rank 0 could say how it ended:
/// a cut-off last line is dropped (it holds no complete event) and a
/// `RunEnded` record appended. A trace
/// that already ends with one is left alone. Returns whether it wrote.
pub fn seal(path: &Path, outcome: Outcome, detail: &str) -> std::io::Result<bool> {
    let text = std::fs::read(path)?;
    let last_line = text
        .split(|&b| b == b'\n')
        .rev()
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<Event>(last_line) {
        if matches!(e.event, EventKind::RunEnded { .. }) {
            return Ok(false);
        }
    }
    let t = std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .rev()
                .find_map(|l| serde_json::from_str::<Event>(l).ok())
        })
        .map(|e| e.t)
        .unwrap_or(0.0);
    let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.set_len(complete as u64)?;
    use std::io::Seek;
    f.seek(std::io::SeekFrom::End(0))?;
    let end = Event {
        rank: 0,
        seq: u64::MAX,
        t,
        event: EventKind::RunEnded {
            outcome,
            detail: detail.to_string(),
        },
    };
    serde_json::to_writer(&mut f, &end)?;
    f.write_all(b"\n")?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::read_trace;

    fn header() -> Header {
        Header::new("send-recv", 2, "Test MPI", 0.0)
    }

    #[test]
    fn a_killed_run_is_sealed_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut w = TraceWriter::create(&path, &header()).unwrap();
        w.write(&Event {
            rank: 1,
            seq: 0,
            t: 0.5,
            event: EventKind::Say { text: "hi".into() },
        })
        .unwrap();
        drop(w);
        // The run died in the middle of a line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"rank\":1,\"se")
            .unwrap();
        assert!(seal(&path, Outcome::Interrupted, "killed").unwrap());
        let t = read_trace(&path).unwrap();
        assert_eq!(t.events.len(), 2, "the cut line is dropped, the seal read");
        assert!(matches!(
            t.events[1].event,
            EventKind::RunEnded {
                outcome: Outcome::Interrupted,
                ..
            }
        ));
        assert_eq!(t.events[1].t, 0.5);
        assert!(
            !seal(&path, Outcome::Interrupted, "again").unwrap(),
            "once only"
        );
    }
}
