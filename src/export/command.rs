//! `mpi-tutor export FILE [--format chrome] [-o OUT]`: a recorded run
//! written in another tool's format, to a file or to standard output.

use std::io::Write;
use std::path::Path;

use super::{write_chrome_trace, Format};
use crate::cli::ExportArgs;
use crate::error::Error;
use crate::trace::{load_trace, Trace};

/// Runs the export command. A trace cut off in its last line is still
/// exported, up to that line, and then reported as an error.
pub fn export(args: &ExportArgs) -> Result<(), Error> {
    let trace = load_trace(&args.file)?;
    write_to(&trace, args.format, args.output.as_deref()).map_err(|source| Error::Write {
        what: "the export",
        source,
    })?;
    if trace.truncated {
        return Err(Error::Truncated {
            path: args.file.display().to_string(),
            done: "exported",
        });
    }
    Ok(())
}

/// Writes to `output`, or to standard output when there is none.
fn write_to(trace: &Trace, format: Format, output: Option<&Path>) -> std::io::Result<()> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)?;
            write_format(trace, format, std::io::BufWriter::new(file))
        }
        None => write_format(trace, format, std::io::stdout().lock()),
    }
}

/// Writes the trace in `format`.
pub fn write_format(trace: &Trace, format: Format, out: impl Write) -> std::io::Result<()> {
    match format {
        Format::Chrome => write_chrome_trace(trace, out),
    }
}
