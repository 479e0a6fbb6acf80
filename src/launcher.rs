//! `mpi-tutor lesson send-recv` typed without mpiexec: start mpiexec
//! ourselves with the lesson's rank count, hand rank 0 our terminal, and
//! put the terminal back however the job ends.

use std::process::{Command, ExitStatus, Stdio};

use crate::cli::{LessonArgs, ShowArgs};
use crate::error::Error;
use crate::lessons::Lesson;
use crate::term::tty;
use crate::trace::Outcome;

/// Environment variable naming the terminal rank 0 draws on.
pub const TTY_ENV: &str = "MPI_TUTOR_TTY";

/// Was this process started by an MPI launcher (MPICH's hydra, Open MPI)?
pub fn under_launcher() -> bool {
    [
        "PMI_RANK",
        "PMI_FD",
        "PMI_SIZE",
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "PMIX_RANK",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// This process's rank as the launcher announced it, before MPI starts.
pub fn launcher_rank() -> Option<u32> {
    ["PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
}

/// A refusal before MPI starts: rank 0 says it, the others exit quietly,
/// but only after a moment: under Open MPI the first rank to exit non-zero
/// ends the job, and rank 0's line could be lost on the way to the screen.
pub fn refuse(message: &str) -> i32 {
    Error::Usage(message.to_string()).report()
}

/// Says `message` as one line if this is rank 0 (or not under a launcher);
/// any other rank waits a moment instead (see [`refuse`]).
pub fn say_once(message: &str) {
    if launcher_rank().unwrap_or(0) == 0 {
        eprintln!("mpi-tutor: {message}");
    } else {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// The show flags (and `--exit-when-done`) as every rank must get them,
/// for `lesson` and `watch` alike.
pub(crate) fn forwarded_show(show: &ShowArgs, exit_when_done: bool) -> Vec<String> {
    let flags = [
        (show.headless, "--headless"),
        (show.fast, "--fast"),
        (show.paused, "--paused"),
        (show.no_values, "--no-values"),
        (exit_when_done, "--exit-when-done"),
    ];
    let mut v: Vec<String> = flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f.to_string())
        .collect();
    if let Some(p) = &show.record {
        v.extend(["--record".to_string(), p.display().to_string()]);
    }
    if let Some(speed) = show.speed {
        v.extend(["--speed".to_string(), speed.to_string()]);
    }
    v
}

/// The lesson's arguments as they must reach every rank.
fn forwarded(args: &LessonArgs) -> Vec<String> {
    let mut v = vec!["lesson".to_string(), args.name.clone()];
    v.extend(forwarded_show(&args.show, args.exit_when_done));
    let numbers = [
        ("--size", args.size.map(|s| s.to_string())),
        ("--iterations", args.iterations.map(|s| s.to_string())),
    ];
    for (flag, value) in numbers {
        if let Some(value) = value {
            v.extend([flag.to_string(), value]);
        }
    }
    v
}

/// Starts mpiexec on this program with the lesson's arguments and waits for
/// the job; returns its exit code, having said any error.
pub fn relaunch(lesson: &Lesson, args: &LessonArgs) -> i32 {
    match launch(lesson, args) {
        Ok(()) => 0,
        Err(e) => e.report(),
    }
}

/// Starts mpiexec on this program with the lesson's arguments and waits for
/// the job. Rank 0 says how the run ended; a job that did not end well is
/// [`Error::JobEnded`] with the job's exit code.
pub fn launch(lesson: &Lesson, args: &LessonArgs) -> Result<(), Error> {
    let ranks = args.ranks.unwrap_or(lesson.default_ranks);
    check(lesson, args, ranks)?;
    run_job(
        ranks,
        forwarded(args),
        args.show.headless,
        args.show.record.as_deref(),
    )
}

/// Starts mpiexec (`$MPIEXEC`, else `mpiexec`) on `ranks` copies of this
/// program with the arguments `forwarded`, handing rank 0 the terminal
/// unless `headless`, and waits for the job (see [`job_ended`]).
pub(crate) fn run_job(
    ranks: u32,
    forwarded: Vec<String>,
    headless: bool,
    record: Option<&std::path::Path>,
) -> Result<(), Error> {
    let exe = std::env::current_exe().map_err(Error::OwnProgram)?;
    let launcher = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".to_string());
    let mut cmd = Command::new(&launcher);
    cmd.arg("-n")
        .arg(ranks.to_string())
        .arg(&exe)
        .args(forwarded);
    quiet_open_mpi(&mut cmd);
    let terminal = if headless { None } else { tty::own_terminal() };
    if let Some(path) = &terminal {
        // Rank 0 opens this terminal itself and reads keys from it; mpiexec
        // must not read them first (docs/mpi-and-terminal-facts.md), so its
        // stdin is empty.
        cmd.env(TTY_ENV, path).stdin(Stdio::null());
    }
    let status = run_keeping_terminal(&mut cmd, terminal.as_deref());
    match status {
        Ok(status) => job_ended(status, record),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::LauncherMissing { launcher })
        }
        Err(source) => Err(Error::LauncherFailed { launcher, source }),
    }
}

/// The rank count and the parameters, checked before anything starts.
fn check(lesson: &Lesson, args: &LessonArgs, ranks: u32) -> Result<(), Error> {
    let given = crate::lessons::Params {
        size: args.size,
        iterations: args.iterations,
    };
    lesson
        .check_ranks(ranks)
        .and_then(|()| lesson.params_on(given, ranks).map(|_| ()))
        .map_err(Error::Usage)
}

/// Harmless for MPICH; lets Open MPI run as root, put more ranks than
/// cores on a laptop, and leave the explaining to mpi-tutor (no banner
/// of its own after a rank's clear one-line error).
pub(crate) fn quiet_open_mpi(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_orte_execute_quiet", "1");
}

/// Runs the job to its end and puts `terminal` back as it was, however the
/// job ended.
pub(crate) fn run_keeping_terminal(
    cmd: &mut Command,
    terminal: Option<&str>,
) -> std::io::Result<ExitStatus> {
    let saved = terminal.and_then(tty::Saved::capture);
    // Ctrl-C before the view is up goes to the whole process group;
    // mpiexec ends the job, and we stay to put the terminal back.
    let _ignore = tty::IgnoreInterrupts::new();
    let status = cmd.status();
    // Only if rank 0 could not: leaving the alternate screen a second time
    // puts the cursor back where the view started, and the shell prompt
    // would then overwrite the line rank 0 printed after its view.
    if let Some(saved) = saved.filter(|s| !s.is_as_saved()) {
        saved.restore();
    }
    status
}

/// The job's exit code as this program's; a recording is sealed if rank 0
/// could not seal it itself.
pub(crate) fn job_ended(status: ExitStatus, record: Option<&std::path::Path>) -> Result<(), Error> {
    let code = status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        128 + status.signal().unwrap_or(0)
    });
    if let Some(path) = record {
        // Rank 0 writes the last record itself unless the job was
        // killed under it (a rank killed, mpiexec killed).
        let detail = format!("the job was ended from outside (mpiexec exit code {code})");
        let _ = crate::trace::seal(path, Outcome::Interrupted, &detail);
    }
    crate::error::exited(code)
}
