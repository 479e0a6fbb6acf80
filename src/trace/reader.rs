//! Reads a recorded trace, with an error a user can act on for every way a
//! file can be wrong.
//!
//! The file is read in blocks of whole lines; on a machine with several
//! cores, worker threads parse blocks while the next ones are read, and
//! only a few blocks are in memory at a time. Events are kept packed
//! ([`Packed`]): a recording of a million events (190 MB) reads in about
//! half a second on 2 cores into 31 MB, where parsed events took 370 MB.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{channel, sync_channel};
use std::sync::Mutex;

use memchr::{memchr, memrchr};

use super::check::{CheckReport, TraceCheck};
use super::packed::{Chunk, ChunkBuilder, Packed};
use super::{Event, EventKind, Header, FORMAT_NAME, FORMAT_VERSION};

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
    #[error(
        "trace {path} is {:.1} GiB; mpi-tutor reads traces up to 1 GiB",
        gibibytes(*.bytes)
    )]
    TooLarge { path: String, bytes: u64 },
    #[error("trace {path} is broken at line {line}: {reason}")]
    BadLine {
        path: String,
        line: usize,
        reason: String,
    },
}

fn gibibytes(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}

#[derive(Debug, Clone)]
pub struct Trace {
    pub header: Header,
    pub events: Vec<Event>,
    /// The last line had no newline and did not parse: the run was cut off
    /// while writing it. Everything before it was read.
    pub truncated: bool,
}

/// A trace with its events packed: what a replay keeps in memory.
#[derive(Debug)]
pub struct PackedTrace {
    pub header: Header,
    pub events: Packed,
    /// As [`Trace::truncated`].
    pub truncated: bool,
    /// Ranks outside the world, duplicated, missing or out-of-order events.
    pub check: CheckReport,
}

/// Lines are read and parsed in blocks of about this many bytes.
const BLOCK: usize = 4 << 20;
/// At most this many threads parse blocks.
const MAX_WORKERS: usize = 4;

/// Reads a whole trace file. A last line cut off mid-write is tolerated and
/// reported in [`Trace::truncated`]; any other bad line is an error.
pub fn read_trace(path: &Path) -> Result<Trace, TraceError> {
    unpack(read_packed(path)?)
}

/// Reads a whole trace from `input`, as [`read_trace`] does a file; `name`
/// is what errors call it.
pub fn read_trace_from(input: impl Read, name: &str) -> Result<Trace, TraceError> {
    unpack(read_with(input, &one_line(name), BLOCK, workers())?)
}

fn unpack(p: PackedTrace) -> Result<Trace, TraceError> {
    let mut events = Vec::with_capacity(p.events.len());
    events.extend(p.events.iter());
    Ok(Trace {
        header: p.header,
        events,
        truncated: p.truncated,
    })
}

/// Reads a whole trace into packed events; as [`read_trace`] otherwise.
pub fn read_packed(path: &Path) -> Result<PackedTrace, TraceError> {
    let name = one_line(&path.display().to_string());
    let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
        path: name.clone(),
        source,
    })?;
    read_with(file, &name, BLOCK, workers())
}

fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS)
}

/// Reads in blocks of about `block` bytes, parsed by `workers` threads.
fn read_with(
    input: impl Read,
    name: &str,
    block: usize,
    workers: usize,
) -> Result<PackedTrace, TraceError> {
    let name = name.to_string();
    let io = |source| TraceError::Io {
        path: name.clone(),
        source,
    };
    let mut blocks = Blocks {
        input,
        block,
        carry: Vec::new(),
        eof: false,
    };
    let Some(first) = blocks.next().map_err(io)? else {
        return Err(TraceError::Empty { path: name });
    };
    let (header, header_end) = first_line_header(&first, &name)?;
    let mut check = InOrder {
        check: TraceCheck::new(header.world_size),
        line: 1,
        stopped: false,
    };
    let parsed = if blocks.eof || workers < 2 {
        // Small (or one core): parse here, block after block.
        let mut parsed = vec![parse_block(&first[header_end..])];
        check.take(&mut parsed[0]);
        while let Some(b) = blocks.next().map_err(io)? {
            parsed.push(parse_block(&b));
            check.take(parsed.last_mut().expect("just pushed"));
        }
        parsed
    } else {
        parse_in_parallel(first, header_end, &mut blocks, workers, &mut check).map_err(io)?
    };

    let mut chunks = Vec::with_capacity(parsed.len());
    let mut line = 1;
    let mut truncated = false;
    for p in parsed {
        chunks.push(p.chunk);
        match p.stop {
            None => line += p.lines,
            Some(Stop::Truncated) => {
                truncated = true;
                break;
            }
            Some(Stop::Bad { line: at, reason }) => {
                return Err(TraceError::BadLine {
                    path: name,
                    line: line + at,
                    reason,
                })
            }
        }
    }
    Ok(PackedTrace {
        header,
        events: Packed::from_chunks(chunks),
        truncated,
        check: check.check.finish(),
    })
}

/// The header on the first line of `block`, and where that line ends.
fn first_line_header(block: &[u8], name: &str) -> Result<(Header, usize), TraceError> {
    let end = memchr(b'\n', block).map_or(block.len(), |i| i + 1);
    let line = std::str::from_utf8(&block[..end]).map_err(|_| TraceError::NotATrace {
        path: name.to_string(),
        reason: "not text".into(),
    })?;
    Ok((parse_header(line, name)?, end))
}

/// The check of the events, fed the parsed blocks in file order as soon as
/// they are ready, so that where each event is need not be kept for all.
struct InOrder {
    check: TraceCheck,
    /// Lines before the next block.
    line: usize,
    /// A block ended in a bad or cut line: nothing after it is read.
    stopped: bool,
}

impl InOrder {
    fn take(&mut self, p: &mut Parsed) {
        let numbered = std::mem::take(&mut p.numbered);
        if self.stopped {
            return;
        }
        for s in numbered {
            self.check.numbered(self.line + s.line, s.rank, s.seq);
        }
        self.stopped = p.stop.is_some();
        self.line += p.lines;
    }
}

/// Reads blocks on this thread while `workers` threads parse them; returns
/// the parsed blocks in file order, each checked as soon as those before
/// it are.
fn parse_in_parallel(
    first: Vec<u8>,
    skip: usize,
    blocks: &mut Blocks<impl Read>,
    workers: usize,
    check: &mut InOrder,
) -> std::io::Result<Vec<Parsed>> {
    // Bounded: at most a few blocks wait in memory for a worker.
    let (work, jobs) = sync_channel::<(usize, Vec<u8>, usize)>(workers);
    let jobs = Mutex::new(jobs);
    let (done, results) = channel::<(usize, Parsed)>();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (jobs, done) = (&jobs, done.clone());
            s.spawn(move || loop {
                let job = jobs.lock().map(|j| j.recv());
                let Ok(Ok((i, block, skip))) = job else { break };
                let parsed = parse_block(&block[skip..]);
                drop(block);
                if done.send((i, parsed)).is_err() {
                    break;
                }
            });
        }
        drop(done);
        let mut sent = 0;
        let mut next = Some((first, skip));
        let mut failed = None;
        let mut order = Reorder::default();
        while let Some((block, skip)) = next.take() {
            if work.send((sent, block, skip)).is_err() {
                break;
            }
            sent += 1;
            results.try_iter().for_each(|(i, p)| order.put(i, p, check));
            match blocks.next() {
                Ok(b) => next = b.map(|b| (b, 0)),
                Err(e) => failed = Some(e),
            }
        }
        drop(work);
        results
            .into_iter()
            .for_each(|(i, p)| order.put(i, p, check));
        if let Some(e) = failed {
            return Err(e);
        }
        assert!(order.waiting.is_empty(), "every block is parsed");
        Ok(order.done)
    })
}

/// Parsed blocks put back in file order as they come from the workers.
#[derive(Default)]
struct Reorder {
    done: Vec<Parsed>,
    waiting: std::collections::BTreeMap<usize, Parsed>,
}

impl Reorder {
    /// Takes block `i`, and checks every block now in order.
    fn put(&mut self, i: usize, p: Parsed, check: &mut InOrder) {
        self.waiting.insert(i, p);
        while let Some(mut p) = self.waiting.remove(&self.done.len()) {
            check.take(&mut p);
            self.done.push(p);
        }
    }
}

/// The input in blocks of whole lines (the last may lack its newline).
struct Blocks<R> {
    input: R,
    /// Bytes to read at a time.
    block: usize,
    /// The start of a line that the previous block cut.
    carry: Vec<u8>,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    fn next(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = std::mem::take(&mut self.carry);
        loop {
            if self.eof {
                return Ok((!buf.is_empty()).then_some(buf));
            }
            let want = self
                .block
                .saturating_sub(buf.len())
                .max(self.block.min(1 << 16));
            buf.reserve_exact(want);
            let got = (&mut self.input).take(want as u64).read_to_end(&mut buf)?;
            self.eof = got < want;
            if self.eof {
                continue;
            }
            // Keep the line the block cuts for the next block; a line
            // longer than a block makes the block longer.
            if let Some(i) = memrchr(b'\n', &buf) {
                self.carry = buf[i + 1..].to_vec();
                buf.truncate(i + 1);
                return Ok(Some(buf));
            }
        }
    }
}

/// What parsing one block found.
struct Parsed {
    chunk: Chunk,
    /// Where each numbered event is, for the check in file order.
    numbered: Vec<Numbered>,
    /// Lines in the block.
    lines: usize,
    stop: Option<Stop>,
}

/// Event `seq` of `rank` is on line `line` of its block (from 1).
struct Numbered {
    line: usize,
    rank: u32,
    seq: u64,
}

enum Stop {
    /// The block's last line, without its newline, did not parse.
    Truncated,
    /// Line `line` of the block (from 1) is not an event.
    Bad { line: usize, reason: String },
}

fn parse_block(block: &[u8]) -> Parsed {
    let mut chunk = ChunkBuilder::default();
    let mut numbered = Vec::new();
    let mut lines = 0;
    let mut rest = block;
    let mut stop = None;
    while !rest.is_empty() {
        let len = memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(len);
        rest = after;
        lines += 1;
        let complete = line.ends_with(b"\n");
        let parsed = match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => serde_json::from_str::<Event>(text).map_err(|e| one_line(&e.to_string())),
            Err(_) => Err("not UTF-8 text".to_string()),
        };
        match parsed {
            Ok(e) => {
                if !matches!(e.event, EventKind::RunEnded { .. }) {
                    let (rank, seq) = (e.rank, e.seq);
                    numbered.push(Numbered {
                        line: lines,
                        rank,
                        seq,
                    });
                }
                chunk.push(&e);
            }
            Err(_) if !complete => {
                stop = Some(Stop::Truncated);
                break;
            }
            Err(reason) => {
                stop = Some(Stop::Bad {
                    line: lines,
                    reason,
                });
                break;
            }
        }
    }
    Parsed {
        chunk: chunk.finish(),
        numbered,
        lines,
        stop,
    }
}

/// Checks the format name and version before the fields, so a newer file
/// says "upgrade" rather than "bad header".
pub(super) fn parse_header(line: &str, path: &str) -> Result<Header, TraceError> {
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
pub(super) fn one_line(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A header and 20 times the events of the recorded ring fixture.
    fn long_text() -> String {
        let ring = include_str!("../../tests/fixtures/ring.jsonl");
        let (header, events) = ring.split_once('\n').unwrap();
        let mut text = format!("{header}\n");
        for _ in 0..20 {
            text.push_str(events);
        }
        text
    }

    fn file(text: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text).unwrap();
        f.flush().unwrap();
        f
    }

    /// The events read in one block on this thread, then in small blocks
    /// by several threads: the same either way.
    fn read_both_ways(text: &[u8]) -> Result<PackedTrace, TraceError> {
        let f = file(text);
        let open = || std::fs::File::open(f.path()).unwrap();
        let name = f.path().display().to_string();
        let whole = read_with(open(), &name, text.len() + 1, 1);
        for block in [64, 1000, 30_000] {
            for workers in [1, 2, 3] {
                let part = read_with(open(), &name, block, workers);
                match (&whole, &part) {
                    (Ok(a), Ok(b)) => {
                        assert!(a.events.iter().eq(b.events.iter()), "{block} {workers}");
                        assert_eq!(a.truncated, b.truncated);
                        assert_eq!(a.check, b.check, "{block} {workers}");
                        assert_eq!(a.header, b.header);
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    _ => panic!("{block} bytes, {workers} workers: {part:?} vs {whole:?}"),
                }
            }
        }
        whole
    }

    #[test]
    fn blocks_and_threads_read_the_same_events() {
        let text = long_text();
        let t = read_both_ways(text.as_bytes()).unwrap();
        assert_eq!(t.events.len(), 43 * 20);
        assert!(!t.truncated);
        let plain: Vec<Event> = text
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(t.events.iter().eq(plain));
    }

    #[test]
    fn a_bad_line_far_in_the_file_is_named_by_its_number() {
        let text = long_text();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[700] = "{\"rank\": oops}";
        lines[800] = "also bad";
        let err = read_both_ways((lines.join("\n") + "\n").as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("broken at line 701: expected value"),
            "{err}"
        );
        // A byte that is no UTF-8 anywhere.
        lines[700] = "\u{1}";
        let bytes: Vec<u8> = (lines.join("\n") + "\n")
            .bytes()
            .map(|b| if b == 1 { 0xff } else { b })
            .collect();
        let err = read_both_ways(&bytes).unwrap_err();
        assert!(
            err.to_string().contains("broken at line 701: not UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn problems_are_named_by_their_line_however_the_file_is_read() {
        let text = long_text();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // The fixture repeated: every copy after the first repeats seqs.
        let copy = 43;
        lines.truncate(1 + copy);
        let again = lines[10].clone();
        lines.insert(500.min(lines.len()), again);
        lines.push(lines[20].replace("\"rank\":", "\"rank\":9"));
        let t = read_both_ways((lines.join("\n") + "\n").as_bytes()).unwrap();
        let said: Vec<String> = t.check.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(said[0].starts_with("line 45: event "), "{said:?}");
        assert!(said[0].ends_with(" again"), "{said:?}");
        assert!(
            said[1].starts_with("line 46: an event of rank 9"),
            "{said:?}"
        );
        assert_eq!(t.check.exit_code, 4);
    }

    #[test]
    fn blank_lines_are_skipped_and_a_cut_last_line_is_tolerated() {
        let text = long_text().replace("\n{\"rank\":3", "\n  \n\n{\"rank\":3");
        assert!(text.contains("\n  \n\n"));
        let t = read_both_ways(text.as_bytes()).unwrap();
        assert_eq!(t.events.len(), 43 * 20);
        let cut = &text.as_bytes()[..text.len() - 30];
        let t = read_both_ways(cut).unwrap();
        assert!(t.truncated);
        assert_eq!(t.events.len(), 43 * 20 - 1);
        // The same line, whole but without its newline, is read.
        let t = read_both_ways(text.trim_end().as_bytes()).unwrap();
        assert!(!t.truncated);
        assert_eq!(t.events.len(), 43 * 20);
    }
}
