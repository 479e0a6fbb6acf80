//! Writes a trace as JSON Lines and flushes in small batches, so a file is
//! readable up to its last complete line whatever happens to the run.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::target::create_record_file;
use super::{Event, EventKind, Header, Outcome};

/// Flush at least this often while events arrive...
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// ...or after this many lines.
const FLUSH_LINES: usize = 4096;
/// The end of a file is read in windows of this many bytes, growing until
/// they hold its last two lines.
const TAIL_WINDOW: u64 = 1 << 16;

pub struct TraceWriter {
    /// None once a write failed and the file was cut back to its last line.
    out: Option<BufWriter<File>>,
    path: PathBuf,
    unflushed: usize,
    last_flush: Instant,
}

impl TraceWriter {
    /// Creates the file (a regular file only: see `trace::target`) and
    /// writes the header.
    pub fn create(path: &Path, header: &Header) -> std::io::Result<Self> {
        ignore_file_size_signal();
        let file = create_record_file(path)?;
        let mut w = TraceWriter {
            out: Some(BufWriter::with_capacity(1 << 16, file)),
            path: path.to_path_buf(),
            unflushed: 0,
            last_flush: Instant::now(),
        };
        w.line(header)?;
        w.flush()?;
        Ok(w)
    }

    pub fn write(&mut self, event: &Event) -> std::io::Result<()> {
        self.line(event)?;
        self.unflushed += 1;
        if self.unflushed >= FLUSH_LINES || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    fn line(&mut self, value: &impl serde::Serialize) -> std::io::Result<()> {
        let out = self.out.as_mut().ok_or_else(stopped)?;
        serde_json::to_writer(&mut *out, value)?;
        out.write_all(b"\n")
    }

    /// The file the recording goes to.
    pub fn path(&self) -> &Path {
        &self.path
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
        self.out.as_mut().ok_or_else(stopped)?.flush()?;
        self.unflushed = 0;
        self.last_flush = Instant::now();
        Ok(())
    }

    /// Ends the recording after a failed write (a full disk): what did not
    /// reach the file is dropped, a line the failure cut is removed, and a
    /// `RunEnded` record saying why is appended if there is room. The file
    /// stays readable up to the last event that was written whole.
    pub fn stop(&mut self, why: &str) -> std::io::Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        // Not flushed: the buffer is what the disk refused.
        let (file, _unwritten) = out.into_parts();
        drop(file);
        let detail = format!("the recording stopped here: {why}");
        seal(&self.path, Outcome::Interrupted, &detail).map(drop)
    }
}

fn stopped() -> std::io::Error {
    std::io::Error::other("the recording has stopped")
}

/// A file size limit (`ulimit -f`) would kill rank 0 with SIGXFSZ at the
/// first write past it; ignored, the write fails like on a full disk, and
/// the recording stops while the run goes on.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler
    // and touches no memory; the call cannot break any Rust invariant.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if let Some(out) = &mut self.out {
            let _ = out.flush();
        }
    }
}

/// Ends a trace whose run was killed before rank 0 could say how it ended:
/// a cut-off last line is dropped (it holds no complete event) and a
/// `RunEnded` record appended. A trace that already ends with one is left
/// alone, and so is anything but a regular file. Only the file's tail is
/// read, however long the recording. Returns whether it wrote.
pub fn seal(path: &Path, outcome: Outcome, detail: &str) -> std::io::Result<bool> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(false);
    }
    let (start, tail) = read_tail(&mut file, meta.len())?;
    let lines: Vec<&[u8]> = tail
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(Ok(e)) = lines.last().map(|l| serde_json::from_slice::<Event>(l)) {
        if matches!(e.event, EventKind::RunEnded { .. }) {
            return Ok(false);
        }
    }
    let t = lines
        .iter()
        .rev()
        .find_map(|l| serde_json::from_slice::<Event>(l).ok())
        .map_or(0.0, |e| e.t);
    let complete = start + tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) as u64;
    append_ending(&mut file, complete, t, outcome, detail)?;
    Ok(true)
}

/// The end of the file from where its last two lines (or the whole file)
/// begin: returns that offset and the bytes from it.
fn read_tail(file: &mut File, len: u64) -> std::io::Result<(u64, Vec<u8>)> {
    let mut window = TAIL_WINDOW;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        Read::by_ref(file)
            .take(len - start)
            .read_to_end(&mut tail)?;
        let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
        let newlines = body.iter().filter(|&&b| b == b'\n').count();
        if start == 0 || newlines >= 2 {
            return Ok((start, tail));
        }
        window *= 4;
    }
}

/// Cuts the file at `complete` (after its last whole line) and appends a
/// `RunEnded` record in one write; if that write fails (a full disk), the
/// file is cut back so no partial line is left.
fn append_ending(
    file: &mut File,
    complete: u64,
    t: f64,
    outcome: Outcome,
    detail: &str,
) -> std::io::Result<()> {
    file.set_len(complete)?;
    file.seek(SeekFrom::Start(complete))?;
    let end = Event {
        rank: 0,
        seq: u64::MAX,
        t,
        event: EventKind::RunEnded {
            outcome,
            detail: detail.to_string(),
        },
    };
    let mut line = serde_json::to_vec(&end)?;
    line.push(b'\n');
    if let Err(e) = file.write_all(&line) {
        let _ = file.set_len(complete);
        return Err(e);
    }
    Ok(())
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

    /// A file of 64 GiB (sparse: a hole between the header and the last
    /// events) is sealed by reading its tail: reading it whole would take
    /// minutes and more memory than the machine has.
    #[test]
    fn sealing_reads_only_the_tail_of_a_huge_recording() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.jsonl");
        let mut w = TraceWriter::create(&path, &header()).unwrap();
        w.flush().unwrap();
        drop(w);
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(64 << 30)).unwrap();
        let last = Event {
            rank: 1,
            seq: 9,
            t: 7.5,
            event: EventKind::Say {
                text: "late".into(),
            },
        };
        let mut text = b"\n".to_vec();
        serde_json::to_writer(&mut text, &last).unwrap();
        text.extend_from_slice(b"\n{\"rank\":1,\"se");
        f.write_all(&text).unwrap();
        drop(f);
        let started = Instant::now();
        assert!(seal(&path, Outcome::Interrupted, "killed").unwrap());
        assert!(started.elapsed() < Duration::from_secs(5));
        let (start, tail) = read_tail(&mut File::open(&path).unwrap(), 0).unwrap();
        assert_eq!((start, tail.len()), (0, 0), "an empty file has no tail");
        let len = std::fs::metadata(&path).unwrap().len();
        let mut f = File::open(&path).unwrap();
        let (_, tail) = read_tail(&mut f, len).unwrap();
        let lines: Vec<&str> = std::str::from_utf8(&tail).unwrap().lines().collect();
        let ending: Event = serde_json::from_str(lines[lines.len() - 1]).unwrap();
        assert!(matches!(ending.event, EventKind::RunEnded { .. }));
        assert_eq!(ending.t, 7.5, "the time of the last whole event");
        assert!(
            lines[lines.len() - 2].contains("late"),
            "the cut line is gone"
        );
    }

    #[test]
    fn only_regular_files_are_sealed() {
        assert!(!seal(Path::new("/dev/null"), Outcome::Interrupted, "x").unwrap());
    }
}
