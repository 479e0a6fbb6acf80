//! An uncaught Python exception, read from the traceback the interpreter
//! prints into the rank's captured output. By the time MPI hears of it
//! (mpi4py's `MPI_Abort`, or `MPI_Finalize` at the interpreter's exit)
//! the interpreter is being torn down and its frames are gone; the
//! printed traceback still names the exception and the student's line.

use std::sync::Mutex;

use crate::trace::{Site, Text};

/// What the latest traceback printed said so far.
#[derive(Debug, Default, Clone, PartialEq)]
struct Traceback {
    /// Inside a traceback: its frames are being printed.
    open: bool,
    /// The innermost frame in a file of the student's.
    site: Option<Site>,
    /// `ZeroDivisionError: division by zero`, once printed.
    message: Option<String>,
}

static LATEST: Mutex<Option<Traceback>> = Mutex::new(None);

/// Follows one line the rank printed.
pub fn note_output(line: &str) {
    let mut latest = LATEST.lock().unwrap_or_else(|e| e.into_inner());
    if line == "Traceback (most recent call last):" {
        *latest = Some(Traceback {
            open: true,
            ..Traceback::default()
        });
        return;
    }
    let Some(traceback) = latest.as_mut().filter(|t| t.open) else {
        return;
    };
    if let Some(site) = frame_site(line) {
        if super::python::is_students(&site.file) {
            traceback.site = Some(site);
        }
    } else if !line.is_empty() && !line.starts_with(char::is_whitespace) {
        // The first line that is not a frame nor its code: the exception.
        traceback.message = Some(line.to_string());
        traceback.open = false;
    }
}

/// The exception a traceback of this rank ended with, and the student's
/// line it was raised at (None: no traceback, or not a Python rank).
pub fn uncaught() -> Option<(String, Option<Site>)> {
    if !super::python::is_python() {
        return None;
    }
    let latest = LATEST.lock().unwrap_or_else(|e| e.into_inner());
    let traceback = latest.as_ref()?;
    let message = traceback.message.clone()?;
    Some((format!("raised {message}"), traceback.site.clone()))
}

/// `  File "raises.py", line 14, in <module>` as a site.
fn frame_site(line: &str) -> Option<Site> {
    let rest = line.trim_start().strip_prefix("File \"")?;
    let (file, rest) = rest.split_once("\", line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some(Site {
        file: Text::from(super::site::shortened(file)),
        line: digits.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_line_names_its_file_and_line() {
        let site = frame_site("  File \"raises.py\", line 14, in <module>").unwrap();
        assert_eq!((site.file.as_ref(), site.line), ("raises.py", 14));
        assert!(frame_site("    share = 1 / (rank - 1)").is_none());
    }

    #[test]
    fn the_students_innermost_frame_and_the_exception_are_kept() {
        let printed = [
            "Traceback (most recent call last):",
            "  File \"<frozen runpy>\", line 88, in _run_code",
            "  File \"/usr/lib/python3/dist-packages/mpi4py/run.py\", line 53, in run",
            "  File \"raises.py\", line 14, in <module>",
            "    share = 1 / (rank - 1)",
            "            ~~^~~~~~~~~~~~",
            "ZeroDivisionError: division by zero",
        ];
        for line in printed {
            note_output(line);
        }
        let latest = LATEST.lock().unwrap().clone().unwrap();
        assert_eq!(
            latest.message.as_deref(),
            Some("ZeroDivisionError: division by zero")
        );
        assert_eq!(latest.site.unwrap().line, 14);
    }
}
