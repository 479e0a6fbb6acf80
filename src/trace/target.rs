//! Where a recording may go: a regular file, or a new file in an existing
//! directory, that this process can write. Anything else (a terminal, a
//! pipe, `/dev/full`, a directory) is refused before the run starts: a
//! recording is read back later, and the file's end is sealed by reading
//! its tail, which only a regular file has.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why a path cannot take a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordTargetError {
    #[error("cannot record to {}: it is {kind}, not a regular file", .path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("cannot record to {}: {source}", .path.display())]
    NotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Checks that `path` can take a recording, without changing what is there:
/// an existing file is opened for writing but not cut; a new one is
/// created and removed again, the only sure test of a directory
/// (permissions do not bind root, and some file systems refuse new files
/// whatever their permissions say). Every rank of a job checks at once,
/// so another rank's test file may come and go meanwhile.
pub fn check_record_target(path: &Path) -> Result<(), RecordTargetError> {
    let not_writable = |source| RecordTargetError::NotWritable {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(meta) => {
            refuse_other_kinds(path, &meta.file_type())?;
            match open_existing(path) {
                // Another rank's test file, removed: the directory took it.
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                opened => opened.map(drop).map_err(not_writable),
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => try_new_file(path).map_err(not_writable),
        Err(e) => Err(not_writable(e)),
    }
}

/// Creates `path` and removes it again. Only the process that created the
/// file removes it; one that finds another's there knows enough.
fn try_new_file(path: &Path) -> std::io::Result<()> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(_) => match std::fs::remove_file(path) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates (or empties) the file a recording goes to, refusing anything
/// but a regular file: checked by what was opened, so a path that changed
/// since [`check_record_target`] is caught too.
pub fn create_record_file(path: &Path) -> std::io::Result<File> {
    if let Ok(meta) = std::fs::metadata(path) {
        refuse_other_kinds(path, &meta.file_type()).map_err(as_io)?;
    }
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        // A pipe put there meanwhile would block the open until a reader
        // came; non-blocking, it opens (or fails) at once and is refused.
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    refuse_other_kinds(path, &file.metadata()?.file_type()).map_err(as_io)?;
    Ok(file)
}

fn open_existing(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

fn refuse_other_kinds(path: &Path, kind: &std::fs::FileType) -> Result<(), RecordTargetError> {
    let kind = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a pipe"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(RecordTargetError::NotAFile {
        path: path.to_path_buf(),
        kind,
    })
}

/// The refusal as an I/O error, without the path (the caller names it).
fn as_io(e: RecordTargetError) -> std::io::Error {
    match e {
        RecordTargetError::NotAFile { kind, .. } => std::io::Error::new(
            ErrorKind::InvalidInput,
            format!("it is {kind}, not a regular file"),
        ),
        RecordTargetError::NotWritable { source, .. } => source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_and_new_files_are_taken_and_left_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.jsonl");
        std::fs::write(&old, "kept").unwrap();
        check_record_target(&old).unwrap();
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "kept");
        let new = dir.path().join("new.jsonl");
        check_record_target(&new).unwrap();
        assert!(!new.exists(), "the check leaves no file behind");
    }

    #[test]
    fn ranks_checking_at_once_all_pass_and_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..200 {
                        check_record_target(&path).unwrap();
                    }
                });
            }
        });
        assert!(!path.exists());
    }

    #[test]
    fn devices_directories_and_missing_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let said = |p: &Path| check_record_target(p).unwrap_err().to_string();
        assert_eq!(
            said(Path::new("/dev/full")),
            "cannot record to /dev/full: it is a character device, not a regular file"
        );
        assert!(said(dir.path()).ends_with("it is a directory, not a regular file"));
        let missing = dir.path().join("no/such/dir/t.jsonl");
        assert!(said(&missing).contains("No such file or directory"));
        let refused = create_record_file(Path::new("/dev/full")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "it is a character device, not a regular file"
        );
    }
}
