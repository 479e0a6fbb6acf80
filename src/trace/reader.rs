//! Reads a recorded trace, with an error a user can act on for every way a
//! file can be wrong.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{Event, Header, FORMAT_NAME, FORMAT_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("cannot read trace {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("trace {path} is empty")]
    Empty { path: String },
    #[error("{path} is not an mpi-tutor trace (line 1: {reason})")]
    NotATrace { path: String, reason: String },
    #[error("trace {path} has format version {found}; this mpi-tutor reads up to version {FORMAT_VERSION}: upgrade mpi-tutor")]
    FutureVersion { path: String, found: u32 },
    #[error("trace {path} is broken at line {line}: {reason}")]
    BadLine {
        path: String,
        line: usize,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Trace {
    pub header: Header,
    pub events: Vec<Event>,
    /// The last line had no newline and did not parse: the run was cut off
    /// while writing it. Everything before it was read.
    pub truncated: bool,
}

/// Reads a whole trace. A last line cut off mid-write is tolerated and
/// reported in [`Trace::truncated`]; any other bad line is an error.
pub fn read_trace(path: &Path) -> Result<Trace, TraceError> {
    let name = path.display().to_string();
    let io = |source| TraceError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut lines = BufReader::with_capacity(1 << 16, file);
    let mut buf = String::new();

    if lines.read_line(&mut buf).map_err(io)? == 0 {
        return Err(TraceError::Empty { path: name });
    }
    let header = parse_header(&buf, &name)?;

    let mut events = Vec::new();
    let mut truncated = false;
    let mut line_no = 1;
    loop {
        buf.clear();
        if lines.read_line(&mut buf).map_err(io)? == 0 {
            break;
        }
        line_no += 1;
        if buf.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Event>(&buf) {
            Ok(e) => events.push(e),
            Err(_) if !buf.ends_with('\n') => {
                truncated = true;
                break;
            }
            Err(e) => {
                return Err(TraceError::BadLine {
                    path: name,
                    line: line_no,
                    reason: e.to_string(),
                })
            }
        }
    }
    Ok(Trace {
        header,
        events,
        truncated,
    })
}

/// Checks the format name and version before the fields, so a newer file
/// says "upgrade" rather than "bad header".
fn parse_header(line: &str, path: &str) -> Result<Header, TraceError> {
    let not_a_trace = |reason: String| TraceError::NotATrace {
        path: path.to_string(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| not_a_trace(format!("not JSON: {e}")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(not_a_trace(format!(
            "no \"format\": \"{FORMAT_NAME}\" header"
        )));
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version > u64::from(FORMAT_VERSION) {
        return Err(TraceError::FutureVersion {
            path: path.to_string(),
            found: u32::try_from(version).unwrap_or(u32::MAX),
        });
    }
    serde_json::from_value(value).map_err(|e| not_a_trace(format!("bad header: {e}")))
}
