//! Writes a trace as JSON Lines and flushes in small batches, so a file is
//! readable up to its last complete line whatever happens to the run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{Event, Header};

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
