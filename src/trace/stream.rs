//! A trace read one event at a time, with the line each came from: for
//! commands that walk a recording once (the export), in memory that does
//! not grow with the file. Lines are judged as [`read_trace`] judges them:
//! blank lines are skipped, a cut last line ends the trace as truncated,
//! any other bad line is an error naming it.
//!
//! [`read_trace`]: super::read_trace

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::check::{CheckReport, TraceCheck};
use super::reader::{one_line, parse_header, TraceError};
use super::{Event, Header};

pub struct EventStream {
    input: BufReader<File>,
    name: String,
    pub header: Header,
    /// The line last read (the header is line 1).
    line: usize,
    /// As [`super::Trace::truncated`], once the end is reached.
    pub truncated: bool,
    ended: bool,
    check: TraceCheck,
    text: Vec<u8>,
}

impl EventStream {
    /// Opens the trace and reads its header.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let name = one_line(&path.display().to_string());
        let io = |source| TraceError::Io {
            path: name.clone(),
            source,
        };
        let mut input = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
        let mut text = Vec::new();
        if input.read_until(b'\n', &mut text).map_err(io)? == 0 {
            return Err(TraceError::Empty { path: name });
        }
        let header_line = std::str::from_utf8(&text).map_err(|_| TraceError::NotATrace {
            path: name.clone(),
            reason: "not text".into(),
        })?;
        let header = parse_header(header_line, &name)?;
        Ok(EventStream {
            input,
            check: TraceCheck::new(header.world_size),
            name,
            header,
            line: 1,
            truncated: false,
            ended: false,
            text,
        })
    }

    /// The next event and its line number, None at the end.
    pub fn next_event(&mut self) -> Result<Option<(usize, Event)>, TraceError> {
        while !self.ended {
            self.text.clear();
            let got = self.input.read_until(b'\n', &mut self.text);
            let got = got.map_err(|source| TraceError::Io {
                path: self.name.clone(),
                source,
            })?;
            if got == 0 {
                self.ended = true;
                break;
            }
            self.line += 1;
            if let Some(e) = self.parse_line()? {
                self.check.event(self.line, &e);
                return Ok(Some((self.line, e)));
            }
        }
        Ok(None)
    }

    /// The event on the line just read; None for a blank line or a cut
    /// last one (which ends the trace).
    fn parse_line(&mut self) -> Result<Option<Event>, TraceError> {
        let complete = self.text.ends_with(b"\n");
        let parsed = match std::str::from_utf8(&self.text) {
            Ok(text) if text.trim().is_empty() => return Ok(None),
            Ok(text) => serde_json::from_str::<Event>(text).map_err(|e| one_line(&e.to_string())),
            Err(_) => Err("not UTF-8 text".to_string()),
        };
        match parsed {
            Ok(e) => Ok(Some(e)),
            Err(_) if !complete => {
                self.truncated = true;
                self.ended = true;
                Ok(None)
            }
            Err(reason) => Err(TraceError::BadLine {
                path: self.name.clone(),
                line: self.line,
                reason,
            }),
        }
    }

    /// What the check of the events read found.
    pub fn finish(self) -> CheckReport {
        self.check.finish()
    }
}
