//! Included by the benches that record a real lesson run (`#[path]`): the
//! bench binary, started under mpiexec, runs the lesson as
//! `mpi-tutor lesson NAME --headless --fast --record PATH` would.

use std::path::Path;

use mpi_tutor::cli::{LessonArgs, ShowArgs};

/// Runs lesson `name` headless at full speed, recording to `path`, and
/// exits with the lesson's exit code.
pub fn record_lesson(name: &str, path: &Path, size: Option<u32>, iterations: Option<u32>) -> ! {
    let args = LessonArgs {
        name: name.into(),
        ranks: None,
        show: ShowArgs {
            headless: true,
            record: Some(path.to_path_buf()),
            speed: None,
            fast: true,
            paused: false,
            no_values: false,
            sync_sends: false,
            silence_limit: None,
        },
        exit_when_done: true,
        explain: false,
        size,
        iterations,
        variant: None,
        hosts: Default::default(),
    };
    std::process::exit(mpi_tutor::run::lesson(args))
}
