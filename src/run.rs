//! What each process does for `mpi-tutor list` and `mpi-tutor lesson`.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use crate::app::pace::{PaceMode, DEFAULT_SPEED};
use crate::app::program::Program;
use crate::app::{self, Ending, RunSetup};
use crate::cli::LessonArgs;
use crate::launcher::{self, relaunch, under_launcher};
use crate::lessons::{self, Lesson, Params};
use crate::probe::{self, Command, Delivery, Job, JobConfig};
use crate::term::{self, ScreenTarget, Screenless};

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

pub fn lesson(args: LessonArgs) -> i32 {
    // Every rank reaches the same verdict on bad input; only one says it.
    let refuse = |msg: String| launcher::refuse(&msg);
    let (lesson, given) = match chosen(&args) {
        Ok(chosen) => chosen,
        Err(e) => return refuse(e),
    };
    if args.explain {
        explain(lesson);
        return 0;
    }
    if let Err(e) = check_speed(args.show.speed) {
        return refuse(e);
    }
    if let Some(Err(e)) = args
        .show
        .record
        .as_deref()
        .map(crate::trace::check_record_target)
    {
        return crate::error::Error::from(e).report();
    }
    if !under_launcher() {
        return relaunch(lesson, &args);
    }
    if args.hosts.given() {
        return crate::error::Error::HostsUnderLauncher.report();
    }
    crate::probe::preview::show_values(!args.show.no_values);
    crate::probe::sends::make_synchronous(args.show.sync_sends);
    crate::probe::heartbeat::set_limit(args.show.silence_limit);
    term::vigil::keep_a_line_open();
    let job = match Job::init() {
        Ok(job) => job,
        Err(e) => return refuse(e.to_string()),
    };
    // Some sizes depend on the rank count (halo's grid); known only now.
    let params = match lesson
        .check_ranks(job.size())
        .and_then(|()| lesson.params_on(given, job.size()))
    {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    let code = if job.rank() == 0 {
        rank0(&job, lesson, params, &args)
    } else {
        term::signals::leave_interrupts_to_rank0();
        let config = job.share_config(None);
        run_lesson(&job, config, lesson, &params);
        0
    };
    job.bound_finalize(code);
    code
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

/// This rank's part of the lesson, through the instrumented communicator.
fn run_lesson(job: &Job, config: JobConfig, lesson: &Lesson, params: &Params) {
    let comm = job.lesson_comm(config);
    (lesson.run)(&comm, params);
    job.finish(comm);
}

/// The pace the run starts at: the classroom pace when someone watches
/// (a terminal) or asked for a speed, else full speed.
fn start_pace(args: &LessonArgs, watched: bool) -> PaceMode {
    pace_for(args.show.fast, args.show.paused, args.show.speed, watched)
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

/// Rank 0 runs the lesson like every rank, and beside it the app that
/// gathers and shows what all ranks do.
fn rank0(job: &Job, lesson: &'static Lesson, params: Params, args: &LessonArgs) -> i32 {
    let screen = if args.show.headless {
        None
    } else {
        full_screen(term::find_screen(), &format!("lesson {}", args.name), "")
    };
    let pace = start_pace(args, screen.is_some());
    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let config = job.share_config(Some(JobConfig {
        gated: pace != PaceMode::Free,
        started_unix,
        held: screen.is_some() || pace != PaceMode::Free,
    }));
    let mut program = Program::lesson(lesson, &params);
    if args.show.sync_sends {
        program.params.push((SYNC_SENDS_PARAM.into(), "on".into()));
    }
    let setup = RunSetup {
        header: program.header(job.size(), job.library(), started_unix, job.hosts()),
        program,
        record: args.show.record.clone(),
        pace,
        speed: args.show.speed.unwrap_or(DEFAULT_SPEED),
        exit_when_done: args.exit_when_done,
    };
    note_mpich_across_hosts(&setup.header);
    let (deliveries_tx, deliveries) = probe::delivery_channel();
    let (commands, commands_rx) = channel();
    let collector = job.start_collector(deliveries_tx, commands_rx);
    let app = start_app(setup, screen, deliveries, commands);
    run_lesson(job, config, lesson, &params);
    let ending = app
        .join()
        .unwrap_or_else(|_| Ending::error("the view failed".into()));
    let _ = collector.join();
    ending.exit_code()
}

/// The terminal, if it can show the full-screen view: a `TERM=dumb`
/// terminal or a locale without UTF-8 gets the log, with one line saying
/// so, and so does a rank 0 away from the terminal (on another host), with
/// the `command` (`lesson ring`, `watch`) and `tail` (`-- ./ring`) that
/// bring the view there.
pub(crate) fn full_screen(
    found: Result<ScreenTarget, Screenless>,
    command: &str,
    tail: &str,
) -> Option<ScreenTarget> {
    let screen = match found {
        Ok(screen) => screen,
        Err(Screenless::NoTerminal) => return None,
        Err(Screenless::Away { host }) => {
            let ranks_here = term::relay::ranks_here();
            let hint = crate::view::words::away_from_terminal(&host, ranks_here, command, tail);
            app::out::say_error(&format!("mpi-tutor: {hint}"));
            return None;
        }
    };
    let term = std::env::var("TERM").unwrap_or_default();
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let why = if term == "dumb" {
        "TERM=dumb"
    } else if !locale.is_empty() && !locale.contains("utf-8") && !locale.contains("utf8") {
        "a locale without UTF-8"
    } else {
        return Some(screen);
    };
    app::out::say_error(&format!(
        "mpi-tutor: {}",
        crate::view::words::no_full_screen(why)
    ));
    None
}

/// The app's thread: the live view on `screen`, else the log; it says how
/// the run ended and, on an abort, ends every rank.
pub(crate) fn start_app(
    setup: RunSetup,
    screen: Option<ScreenTarget>,
    deliveries: Receiver<Delivery>,
    commands: Sender<Command>,
) -> JoinHandle<Ending> {
    std::thread::Builder::new()
        .name("mpi-tutor-app".into())
        .spawn(move || {
            // Its MPI calls (an abort) are the tutor's, never a watched
            // program's.
            probe::mark_tutor_thread();
            let ending = match screen {
                // A person waits on the view's keys and frames: it keeps
                // its priority.
                Some(screen) => app::live::run(setup, screen, deliveries, commands.clone()),
                None => {
                    probe::give_way_to_lessons();
                    term::guardian::start(None);
                    app::headless::run(setup, deliveries, commands.clone())
                }
            };
            if !ending.message.is_empty() {
                let line = format!("mpi-tutor: {}", ending.message);
                // Said last: by the launcher, else by the guardian.
                if !term::guardian::say_last(&line) && !term::guardian::hand_over(&line) {
                    app::out::say_error(&line);
                }
            }
            term::guardian::dismiss();
            if ending.abort {
                crate::probe::abort_job(ending.exit_code());
            }
            let _ = commands.send(Command::Shutdown);
            ending
        })
        .expect("cannot start the app thread")
}

/// MPICH across hosts: one line at the start saying what to expect and
/// what to use instead (docs/multihost-facts.md, "MPICH 4.0.2 across
/// hosts").
pub(crate) fn note_mpich_across_hosts(header: &crate::trace::Header) {
    if header.spans_hosts() && header.mpi_library.contains("MPICH") {
        app::out::say_error(&format!(
            "mpi-tutor: {}",
            crate::view::words::MPICH_ACROSS_HOSTS
        ));
    }
}
