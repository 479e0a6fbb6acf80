//! Reads a recorded trace, with an error a user can act on for every way a
//! file can be wrong.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{Event, Header, FORMAT_NAME, FORMAT_VERSION};

/// The most ranks a trace may have. The model, the view and the export
/// keep state per rank from the header on, so a damaged `world_size` of
/// billions would ask for terabytes; a run of the course has a few dozen.
pub const MAX_WORLD_SIZE: u32 = 1 << 16;

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
    #[error("trace {path} is of a run on {found} ranks; mpi-tutor reads traces of up to {MAX_WORLD_SIZE} ranks")]
    TooManyRanks { path: String, found: u32 },
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

/// Reads a whole trace file. A last line cut off mid-write is tolerated and
/// reported in [`Trace::truncated`]; any other bad line is an error.
pub fn read_trace(path: &Path) -> Result<Trace, TraceError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
        path: name.clone(),
        source,
    })?;
    read_trace_from(BufReader::with_capacity(1 << 16, file), &name)
}

/// Reads a whole trace from `input`, as [`read_trace`] does a file; `name`
/// is what errors call it.
pub fn read_trace_from(mut input: impl BufRead, name: &str) -> Result<Trace, TraceError> {
    let name = one_line(name);
    let io = |source| TraceError::Io {
        path: name.clone(),
        source,
    };
    let mut buf = String::new();

    if input.read_line(&mut buf).map_err(io)? == 0 {
        return Err(TraceError::Empty { path: name });
    }
    let header = parse_header(&buf, &name)?;

    let mut events = Vec::new();
    let mut truncated = false;
    let mut line_no = 1;
    loop {
        buf.clear();
        if input.read_line(&mut buf).map_err(io)? == 0 {
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
                    reason: one_line(&e.to_string()),
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
        reason: one_line(&reason),
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
    let header: Header =
        serde_json::from_value(value).map_err(|e| not_a_trace(format!("bad header: {e}")))?;
    if header.world_size > MAX_WORLD_SIZE {
        return Err(TraceError::TooManyRanks {
            path: path.to_string(),
            found: header.world_size,
        });
    }
    Ok(header)
}

/// `s` with its control characters escaped (`\n`, `\u{1b}`): an error
/// quotes what it found in the file (`unknown variant ...`), and must stay
/// one plain line on a terminal whatever the file holds.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
