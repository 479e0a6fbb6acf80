//! The Chrome trace written while the recording is read, in memory that
//! grows with the ranks and the calls and messages open at once, never
//! with the file: the same bytes [`chrome_trace`] gives for the whole
//! trace at once.
//!
//! The file lists the ranks' tracks, then every call slice by start time,
//! then the held slices, the arrows, and the lesson's output. Each slice is
//! written out when its call ends (into [`SortedSlices`], which puts them
//! in order with temporary files past a few megabytes); holds, arrows and
//! the lesson's output go to temporary files in the order they are met,
//! and are copied after the slices at the end.
//!
//! [`chrome_trace`]: super::chrome_trace

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use super::chrome::{
    arrow, arrow_ends, call_slice, held_slice, lesson_instant, open_holds, other_data, track_names,
};
use super::spill::{anonymous_file, Slice, SortedSlices, RUN_BYTES};
use super::walk::{Visit, Walk};
use crate::model::{CallSpan, HeldSpan, MessageLink};
use crate::trace::{Event, EventKind, Header, Rank};

/// A Chrome trace being built from events in file order.
pub struct ChromeStream {
    walk: Walk,
    parts: Parts,
}

/// What the walk has written so far.
struct Parts {
    header: Header,
    slices: SortedSlices,
    /// Slices each rank has had, for their order among equal start times.
    per_rank: Vec<u64>,
    holds: Section,
    arrows: Section,
    lesson_output: Section,
}

/// Elements written to a temporary file in order, each after a comma.
struct Section {
    out: BufWriter<File>,
    count: u64,
}

impl Section {
    fn new() -> std::io::Result<Self> {
        Ok(Section {
            out: BufWriter::with_capacity(1 << 16, anonymous_file()?),
            count: 0,
        })
    }

    fn push(&mut self, value: &serde_json::Value) -> std::io::Result<()> {
        self.out.write_all(b",")?;
        serde_json::to_writer(&mut self.out, value)?;
        self.count += 1;
        Ok(())
    }

    /// Copies what was written to `out`.
    fn copy_to(self, out: &mut impl Write) -> std::io::Result<()> {
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        std::io::copy(&mut file, out).map(drop)
    }
}

impl ChromeStream {
    pub fn new(header: Header) -> std::io::Result<Self> {
        Self::with_memory(header, RUN_BYTES)
    }

    /// As [`ChromeStream::new`], holding up to `bytes` of slices in memory.
    pub fn with_memory(header: Header, bytes: usize) -> std::io::Result<Self> {
        let world = header.world_size as usize;
        Ok(ChromeStream {
            walk: Walk::new(header.world_size),
            parts: Parts {
                header,
                slices: SortedSlices::new(bytes),
                per_rank: vec![0; world],
                holds: Section::new()?,
                arrows: Section::new()?,
                lesson_output: Section::new()?,
            },
        })
    }

    /// How many runs of slices went to temporary files so far.
    #[cfg(test)]
    pub fn runs(&self) -> usize {
        self.parts.slices.runs()
    }

    /// Takes the next event of the trace.
    pub fn push(&mut self, e: &Event) -> std::io::Result<()> {
        self.walk.step(e, &mut self.parts)
    }

    /// Writes the whole trace to `out`; `truncated` as in the file read.
    pub fn finish(self, truncated: bool, mut out: impl Write) -> std::io::Result<()> {
        let ChromeStream { walk, parts: mut p } = self;
        let timeline = walk.timeline();
        for rank in 0..p.header.world_size {
            // Calls still open at the end of the trace (a deadlock, a
            // failure) last to their rank's last event.
            let last = timeline.active(rank).map_or(0.0, |(_, last)| last);
            for span in timeline.spans(rank) {
                p.slice(rank, &call_slice(rank, span, last))?;
            }
        }
        for hold in open_holds(timeline, p.header.world_size) {
            p.holds.push(&hold)?;
        }
        out.write_all(br#"{"displayTimeUnit":"ms","otherData":"#)?;
        serde_json::to_writer(&mut out, &other_data(&p.header, truncated))?;
        out.write_all(br#","traceEvents":["#)?;
        for (i, track) in track_names(&p.header).iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut out, track)?;
        }
        p.slices.drain(|json| {
            out.write_all(b",")?;
            out.write_all(json)
        })?;
        p.holds.copy_to(&mut out)?;
        p.arrows.copy_to(&mut out)?;
        p.lesson_output.copy_to(&mut out)?;
        out.write_all(b"]}")?;
        out.flush()
    }
}

impl Parts {
    fn slice(&mut self, rank: u32, (ts, value): &(f64, serde_json::Value)) -> std::io::Result<()> {
        let index = &mut self.per_rank[rank as usize];
        let slice = Slice {
            ts: *ts,
            rank,
            index: *index,
            json: serde_json::to_vec(value)?,
        };
        *index += 1;
        self.slices.push(slice)
    }
}

/// Each part of the walk to its section: holds, calls (written when they
/// end), the lesson's output, and the arrows.
impl Visit for Parts {
    fn hold_over(&mut self, hold: &HeldSpan) -> std::io::Result<()> {
        // A hold that is over has its end; `last` is not used.
        self.holds.push(&held_slice(hold, 0.0))
    }

    fn call_over(&mut self, rank: Rank, span: &CallSpan) -> std::io::Result<()> {
        // A finished call has its end; `last` is not used.
        self.slice(rank, &call_slice(rank, span, 0.0))
    }

    fn event(&mut self, rank: Rank, at: f64, event: &EventKind) -> std::io::Result<()> {
        match lesson_instant(rank, at, event) {
            Some(instant) => self.lesson_output.push(&instant),
            None => Ok(()),
        }
    }

    fn message(&mut self, link: &MessageLink) -> std::io::Result<()> {
        let (send, recv) = arrow_ends(link);
        let id = self.arrows.count / 2 + 1;
        for flow in arrow(id, link, send, recv) {
            self.arrows.push(&flow)?;
        }
        Ok(())
    }
}
