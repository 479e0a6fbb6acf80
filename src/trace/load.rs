//! Reading a trace file for a command (replay, export): a file too large to
//! hold is refused before it is read.

use std::path::Path;

use super::reader::{read_packed, read_trace, PackedTrace, Trace, TraceError};

/// Traces larger than this are refused rather than read into memory.
pub const MAX_TRACE_BYTES: u64 = 1 << 30;

/// Reads a whole trace, its events unpacked (what the export walks).
pub fn load_trace(path: &Path) -> Result<Trace, TraceError> {
    check_size(path)?;
    read_trace(path)
}

/// Reads a whole trace, its events packed (what a replay keeps).
pub fn load_packed(path: &Path) -> Result<PackedTrace, TraceError> {
    check_size(path)?;
    read_packed(path)
}

/// A file that cannot be measured is left for the reader to report.
fn check_size(path: &Path) -> Result<(), TraceError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_TRACE_BYTES => Err(TraceError::TooLarge {
            path: super::reader::one_line(&path.display().to_string()),
            bytes: meta.len(),
        }),
        _ => Ok(()),
    }
}
