//! `mpi-tutor export FILE [--format chrome] [-o OUT]`: a recorded run
//! written in another tool's format, to a file or to standard output. The
//! trace is read one event at a time (see `ChromeStream`): a recording of
//! any length exports in a few tens of megabytes.

use std::io::Write;
use std::path::Path;

use super::{write_chrome_trace, ChromeStream, Format};
use crate::cli::ExportArgs;
use crate::error::Error;
use crate::trace::{CheckReport, EventStream, Trace};

/// Runs the export command (OTF2: see `export_otf2`). A Chrome trace cut off in its last line is still
/// exported, up to that line, and then reported as an error; so is a
/// trace whose events contradict themselves (ranks outside the world,
/// events duplicated, missing or out of order), each problem a line on
/// standard error.
pub fn export(args: &ExportArgs) -> Result<(), Error> {
    if args.format == Format::Otf2 {
        return super::export_otf2(&args.file, args.output.as_deref());
    }
    let mut events = EventStream::open(&args.file)?;
    let write = |source| Error::Write {
        what: "the export",
        source,
    };
    let mut chrome = ChromeStream::new(events.header.clone()).map_err(write)?;
    while let Some((_, e)) = events.next_event()? {
        chrome.push(&e).map_err(write)?;
    }
    let truncated = events.truncated;
    let check = events.finish();
    write_out(chrome, truncated, args.output.as_deref()).map_err(write)?;
    let path = args.file.display().to_string();
    verdict(path, truncated, &check)
}

/// Writes to `output`, or to standard output when there is none.
fn write_out(chrome: ChromeStream, truncated: bool, output: Option<&Path>) -> std::io::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)?;
            chrome.finish(truncated, std::io::BufWriter::with_capacity(1 << 16, file))
        }
        None => chrome.finish(truncated, std::io::stdout().lock()),
    }
}

/// Says what was wrong with the trace, a line each, and the error the
/// worst of it calls for.
fn verdict(path: String, truncated: bool, check: &CheckReport) -> Result<(), Error> {
    let cut = Error::Truncated {
        path: path.clone(),
        done: "exported",
    };
    if check.is_clean() {
        return if truncated { Err(cut) } else { Ok(()) };
    }
    for line in check.lines(&path) {
        eprintln!("mpi-tutor: {line}");
    }
    if truncated {
        eprintln!("mpi-tutor: {cut}");
    }
    Err(Error::TraceProblems {
        path,
        count: check.count,
        code: check.exit_code,
    })
}

/// Writes the trace in `format`.
pub fn write_format(trace: &Trace, format: Format, out: impl Write) -> std::io::Result<()> {
    match format {
        Format::Chrome => write_chrome_trace(trace, out),
        // A directory, not a stream: written by `export_otf2`.
        Format::Otf2 => Err(std::io::Error::other(
            "OTF2 is a directory: export it with `mpi-tutor export --format otf2 -o DIR`",
        )),
    }
}
