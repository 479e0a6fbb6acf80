//! `mpi-tutor export FILE --format otf2 -o DIR`: the recorded run as an
//! OTF2 archive (what Score-P writes and Vampir, Scalasca and TAU read),
//! written through the reference OTF2 library.
//!
//! All or nothing: the trace is read twice, first to check it whole and
//! learn its communicators (`scan`), then to write the archive into a
//! temporary directory beside `DIR`, renamed to `DIR` once complete. A
//! broken trace is one line of error and no archive. Both reads take one
//! event at a time; the archive's events go to its files a chunk at a
//! time, so memory grows with the ranks and what is open at once, not
//! with the file.

mod archive;
mod defs;
mod ops;
mod records;
mod scan;

use std::io;
use std::path::{Path, PathBuf};

use archive::Archive;
use defs::Definitions;
use records::Records;

use super::walk::Walk;
use crate::error::Error;
use crate::trace::EventStream;

/// The name of the archive inside `DIR`: `DIR/traces.otf2` is the anchor
/// file readers open, as in Score-P's experiment directories.
pub const ARCHIVE_NAME: &str = "traces";

/// Exports the trace at `file` to the new directory `dir`.
pub fn export_otf2(file: &Path, dir: Option<&Path>) -> Result<(), Error> {
    let dir = dir.ok_or_else(|| {
        Error::Usage("--format otf2 writes a directory: name it with -o DIR".into())
    })?;
    let partial = partial_dir(dir)?;
    let scan = scan::scan(file)?;
    let written = write_archive(file, &partial, scan.comms).and_then(|()| {
        std::fs::rename(&partial, dir).map_err(|source| Error::Write {
            what: "the OTF2 archive",
            source,
        })
    });
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    written
}

/// Where the archive is written before it is complete: a hidden directory
/// beside `dir` (so the rename stays on one file system). `dir` must not
/// exist yet, or be empty.
fn partial_dir(dir: &Path) -> Result<PathBuf, Error> {
    let taken = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if taken || dir.is_file() {
        return Err(Error::Usage(format!(
            "{} already exists: name a new directory for the OTF2 archive",
            dir.display()
        )));
    }
    let name = dir.file_name().ok_or_else(|| {
        Error::Usage(format!(
            "{} is not a directory name for the OTF2 archive",
            dir.display()
        ))
    })?;
    let hidden = format!(".{}.partial-{}", name.to_string_lossy(), std::process::id());
    Ok(dir.with_file_name(hidden))
}

/// The second read: the whole archive into `partial`.
fn write_archive(
    file: &Path,
    partial: &Path,
    comms: std::collections::BTreeMap<u32, Vec<u32>>,
) -> Result<(), Error> {
    let write = |source: io::Error| Error::Write {
        what: "the OTF2 archive",
        source,
    };
    let mut events = EventStream::open(file)?;
    let header = events.header.clone();
    let world = header.world_size;
    let archive = Archive::create(partial, ARCHIVE_NAME, world).map_err(write)?;
    let program = format!("{} (mpi-tutor)", header.lesson);
    let mut records = Records::new(archive, Definitions::new(comms), &program, world);
    let mut walk = Walk::new(world);
    while let Some((_, e)) = events.next_event()? {
        walk.step(&e, &mut records).map_err(write)?;
    }
    let timeline = walk.timeline();
    for rank in 0..world {
        let last = timeline.active(rank).map_or(0.0, |(_, last)| last);
        let holds: Vec<_> = timeline.held_spans(rank).collect();
        records.close(rank, last, &holds).map_err(write)?;
    }
    let Records { archive, defs, .. } = records;
    defs.write_markers(archive.markers()).map_err(write)?;
    archive
        .finish(|global, counts| defs.write(global, &header, counts))
        .map_err(write)
}
