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
/// an existing file is opened for writing but not cut. With `probe`, a new
/// file is created and removed again, which is the only sure test of a
/// directory (permissions do not bind root; some file systems refuse new
/// files whatever they say); without it (every rank of a job checks at
/// once), the directory's permissions are asked instead.
pub fn check_record_target(path: &Path, probe: bool) -> Result<(), RecordTargetError> {
    let not_writable = |source| RecordTargetError::NotWritable {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(meta) => {
            refuse_other_kinds(path, &meta.file_type())?;
            open_existing(path).map(drop).map_err(not_writable)
        }
        Err(e) if e.kind() == ErrorKind::NotFound && probe => {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(not_writable)?;
            std::fs::remove_file(path).map_err(not_writable)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            directory_takes_files(path).map_err(not_writable)
        }
        Err(e) => Err(not_writable(e)),
    }
}

/// Whether the directory `path` would be created in exists and lets this
/// process add files, by its permissions.
fn directory_takes_files(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !std::fs::metadata(dir)?.is_dir() {
        return Err(std::io::Error::from(ErrorKind::NotADirectory));
    }
    let c_dir = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::from(ErrorKind::InvalidInput))?;
    // SAFETY: `c_dir` is a valid NUL-terminated string that outlives the
    // call; access(2) only reads it.
    let allowed = unsafe { libc::access(c_dir.as_ptr(), libc::W_OK | libc::X_OK) };
    if allowed == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
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

fn as_io(e: RecordTargetError) -> std::io::Error {
    std::io::Error::new(ErrorKind::InvalidInput, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_and_new_files_are_taken_and_left_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.jsonl");
        std::fs::write(&old, "kept").unwrap();
        check_record_target(&old, true).unwrap();
        check_record_target(&old, false).unwrap();
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "kept");
        let new = dir.path().join("new.jsonl");
        check_record_target(&new, true).unwrap();
        check_record_target(&new, false).unwrap();
        assert!(!new.exists(), "the check leaves no file behind");
    }

    #[test]
    fn devices_directories_and_missing_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let said = |p: &Path| check_record_target(p, true).unwrap_err().to_string();
        assert_eq!(
            said(Path::new("/dev/full")),
            "cannot record to /dev/full: it is a character device, not a regular file"
        );
        assert!(said(dir.path()).ends_with("it is a directory, not a regular file"));
        let missing = dir.path().join("no/such/dir/t.jsonl");
        assert!(said(&missing).contains("No such file or directory"));
        let unprobed = check_record_target(&missing, false).unwrap_err();
        assert!(unprobed.to_string().contains("No such file or directory"));
        assert!(create_record_file(Path::new("/dev/full")).is_err());
    }
}
