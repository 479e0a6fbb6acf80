//! What `mpi-tutor list` and `mpi-tutor lesson` do before any MPI: list
//! the course, check what was asked, then start mpiexec (typed alone) or
//! become the rank program (on a rank). The rank side, the only part that
//! runs MPI, is [`rank`], in the `mpi-tutor-rank` binary.

mod rank;

use std::os::unix::process::CommandExt;
use std::path::Path;

use crate::app::pace::PaceMode;
use crate::cli::LessonArgs;
use crate::error::Error;
use crate::launcher::{self, relaunch, under_launcher};
use crate::lessons::{self, Lesson, Params};
use crate::probe::JobConfig;

pub use rank::lesson;
pub(crate) use rank::{full_screen, note_mpich_across_hosts, start_app};

/// The program that runs a lesson's ranks, beside `mpi-tutor`: it links
/// MPI, which `mpi-tutor` does not (its start-up is every job's).
pub const RANK_FILE: &str = "mpi-tutor-rank";

pub fn list() -> i32 {
    // The names' column as wide as the longest name, with a gap.
    let width = lessons::LESSONS
        .iter()
        .map(|l| l.name.len())
        .max()
        .unwrap_or(0)
        + 2;
    println!(
        "{:<w$} {:<24} WHAT IT SHOWS",
        "LESSON",
        "RANKS",
        w = width + 2
    );
    for section in lessons::Section::ALL {
        let mut in_section = lessons::LESSONS.iter().filter(|l| l.section == section);
        let Some(first) = in_section.next() else {
            continue;
        };
        println!("\n{}", section.heading().to_uppercase());
        for l in std::iter::once(first).chain(in_section) {
            println!("  {:<width$} {:<24} {}", l.name, l.ranks_text(), l.title);
        }
    }
    println!("\nRun one with `mpi-tutor lesson NAME`; `--explain` tells what to watch for");
    println!("and lists its variants; `mpi-tutor exercise NAME` writes its mpi4py twin.");
    0
}

/// The header parameter that says every standard send was synchronous.
pub const SYNC_SENDS_PARAM: &str = "sync-sends";

/// `mpi-tutor lesson`: checks what was asked, then starts mpiexec on the
/// rank program (typed alone) or becomes it (on a rank: `mpiexec -n 5
/// mpi-tutor lesson send-recv`).
pub fn lesson_front(args: LessonArgs) -> i32 {
    let (lesson, _) = match before_mpi(&args) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    let program = match launcher::built_beside_this_program(RANK_FILE) {
        Ok(program) => program,
        Err(e) => return e.report(),
    };
    if under_launcher() {
        become_rank_program(&program).report()
    } else {
        relaunch(lesson, &args, program)
    }
}

/// What every `lesson` checks before MPI starts: the lesson and its knobs,
/// the speed, the recording's file. The lesson and the knobs given, else
/// the exit code of a command that ends here (`--explain`, or refused;
/// only rank 0 says why).
fn before_mpi(args: &LessonArgs) -> Result<(&'static Lesson, Params), i32> {
    let refuse = |msg: String| launcher::refuse(&msg);
    let (lesson, given) = chosen(args).map_err(refuse)?;
    if args.explain {
        explain(lesson);
        return Err(0);
    }
    check_speed(args.show.speed).map_err(refuse)?;
    if let Some(Err(e)) = args
        .show
        .record
        .as_deref()
        .map(crate::trace::check_record_target)
    {
        return Err(Error::from(e).report());
    }
    Ok((lesson, given))
}

/// Replaces this process by the rank program with the same arguments (the
/// launcher knows this rank by its pid); returns only the error of a
/// program that could not be started.
fn become_rank_program(program: &Path) -> Error {
    let error = std::process::Command::new(program)
        .args(std::env::args_os().skip(1))
        .exec();
    Error::Usage(format!("cannot start {}: {error}", program.display()))
}

/// `--explain`: the lesson's explanation, then its variants.
fn explain(lesson: &Lesson) {
    println!(
        "{} - {}\n\n{}",
        lesson.name, lesson.title, lesson.explanation
    );
    if !lesson.variants.is_empty() {
        println!("VARIANTS (mpi-tutor lesson {} --variant NAME)", lesson.name);
        for (name, what) in lesson.variants {
            println!("  {name:<18} {what}");
        }
    }
}

/// The lesson asked for and the knobs given, once both are known good.
fn chosen(args: &LessonArgs) -> Result<(&'static Lesson, Params), String> {
    let lesson = lessons::find(&args.name).ok_or_else(|| {
        format!(
            "unknown lesson '{}'; the lessons are: {}",
            args.name,
            lessons::names()
        )
    })?;
    let given = given_params(lesson, args)?;
    lesson.params(given)?;
    Ok((lesson, given))
}

/// The knobs and the variant as given on the command line, the variant
/// checked against the lesson's.
pub(crate) fn given_params(lesson: &Lesson, args: &LessonArgs) -> Result<Params, String> {
    let variant = match &args.variant {
        Some(name) => Some(lesson.variant_named(name)?),
        None => None,
    };
    Ok(Params {
        size: args.size,
        iterations: args.iterations,
        variant,
    })
}

/// The slowest and fastest paces `--speed` takes, in calls per second.
const MIN_SPEED: f64 = 0.1;
const MAX_SPEED: f64 = 1000.0;

pub(crate) fn check_speed(speed: Option<f64>) -> Result<(), String> {
    match speed {
        Some(speed) if !(MIN_SPEED..=MAX_SPEED).contains(&speed) => Err(format!(
            "--speed {speed} is not a pace: use 0.1 to 1000 calls per second"
        )),
        _ => Ok(()),
    }
}

/// Rank 0's settings for a run starting now at `pace`: the ranks are
/// gated unless it is free.
pub(crate) fn job_config(pace: PaceMode) -> JobConfig {
    JobConfig {
        gated: pace != PaceMode::Free,
        started_unix: crate::probe::unix_now(),
    }
}

/// The pace a run starts at, from its flags and whether someone watches.
pub(crate) fn pace_for(fast: bool, paused: bool, speed: Option<f64>, watched: bool) -> PaceMode {
    if fast {
        PaceMode::Free
    } else if paused {
        PaceMode::Paused
    } else if watched || speed.is_some() {
        PaceMode::Paced
    } else {
        PaceMode::Free
    }
}
