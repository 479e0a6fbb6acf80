//! `mpi-tutor exercise NAME`: writes the lesson's mpi4py twin
//! (lessons/python/NAME.py, built in) to the current folder, its exercises
//! as comments at its top, and says the command that watches it.

use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::lessons::{self, Lesson};

// The twins, as build.rs found them: (file name, text).
include!(concat!(env!("OUT_DIR"), "/twins.rs"));

/// The file name of `lesson`'s twin: its name with `_` for `-`.
pub fn twin_file(lesson: &Lesson) -> String {
    format!("{}.py", lesson.name.replace('-', "_"))
}

/// The text of `lesson`'s twin, if it has one.
pub fn twin_text(lesson: &Lesson) -> Option<&'static str> {
    let file = twin_file(lesson);
    TWINS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| *text)
}

/// Writes the twin of lesson `name` into the current folder, never over a
/// file that is there, and prints how to watch it.
pub fn write_twin(name: &str) -> Result<(), Error> {
    let lesson = lessons::find(name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown lesson '{name}'; the lessons are: {}",
            lessons::names()
        ))
    })?;
    let text = twin_text(lesson)
        .ok_or_else(|| Error::Usage(format!("lesson {name} has no mpi4py twin yet")))?;
    let file = twin_file(lesson);
    write_new(Path::new(&file), text)?;
    println!(
        "{}",
        crate::view::words::twin_written(&file, lesson.default_ranks)
    );
    Ok(())
}

/// Creates `path` with `text`; refuses a path that exists.
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut out = match created {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Usage(format!(
                "{} is already here: mpi-tutor never writes over it; rename it or work in another folder",
                path.display()
            )))
        }
        Err(source) => {
            return Err(Error::Write {
                what: "the exercise",
                source,
            })
        }
    };
    out.write_all(text.as_bytes())
        .map_err(|source| Error::Write {
            what: "the exercise",
            source,
        })
}
