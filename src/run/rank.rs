//! A lesson on a rank, in `mpi-tutor-rank`: MPI starts, every rank runs
//! the lesson's body, and rank 0 also runs the app that shows them all.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use super::{before_mpi, pace_for, SYNC_SENDS_PARAM};
use crate::app::pace::{PaceMode, DEFAULT_SPEED};
use crate::app::program::Program;
use crate::app::{self, Ending, RunSetup};
use crate::cli::LessonArgs;
use crate::launcher::{self, relaunch, under_launcher};
use crate::lessons::{self, Lesson, Params};
use crate::probe::{self, Command, Delivery, Job, JobConfig};
use crate::term::{self, ScreenTarget, Screenless};

/// `lesson` with MPI: the rank's part under mpiexec; typed alone, starts
/// mpiexec on this program.
pub fn lesson(args: LessonArgs) -> i32 {
    let (lesson, given) = match before_mpi(&args) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    if !under_launcher() {
        return match std::env::current_exe() {
            Ok(this) => relaunch(lesson, &args, this),
            Err(e) => crate::error::Error::OwnProgram(e).report(),
        };
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
        Err(e) => return launcher::refuse(&e.to_string()),
    };
    // Some sizes depend on the rank count (halo's grid); known only now.
    let params = match lesson
        .check_ranks(job.size())
        .and_then(|()| lesson.params_on(given, job.size()))
    {
        Ok(p) => p,
        Err(e) => return launcher::refuse(&e),
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

/// This rank's part of the lesson, through the instrumented communicator.
fn run_lesson(job: &Job, config: JobConfig, lesson: &Lesson, params: &Params) {
    let comm = job.lesson_comm(config);
    lessons::body_of(lesson)(&comm, params);
    job.finish(comm);
}

/// The pace the run starts at: the classroom pace when someone watches
/// (a terminal) or asked for a speed, else full speed.
fn start_pace(args: &LessonArgs, watched: bool) -> PaceMode {
    pace_for(args.show.fast, args.show.paused, args.show.speed, watched)
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
    let mine = super::job_config(pace);
    let started_unix = mine.started_unix;
    let config = job.share_config(Some(mine));
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
