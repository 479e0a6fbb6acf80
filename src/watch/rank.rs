//! The tutor inside a watched program's rank: started by the program's
//! `MPI_Init` (through the hooks), ended by its `MPI_Finalize`. Every
//! rank records its calls through the process's recorder; rank 0 also
//! runs the app (live view or log) on a thread of its own while the
//! program's main thread goes on with the program.

use std::sync::mpsc::{channel, sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::output::{Capture, Saved};
use super::WatchConfig;
use crate::app::pace::DEFAULT_SPEED;
use crate::app::program::{Program, SourceFile, SOURCE_PARAM};
use crate::app::{Ending, RunSetup};
use crate::probe::{self, process_recorder, Job, Recorder};
use crate::run::{job_config, pace_for, start_app};
use crate::term;
use crate::trace::Site;
use crate::view::words;

/// What a watched rank keeps between `MPI_Init` and `MPI_Finalize`.
struct Watched {
    job: Job,
    /// The tutor's own output, where the capture puts fds 1 and 2 back.
    own: Saved,
    capture: Option<Capture>,
    /// Rank 0: where the start leaves the app's thread and the collector's.
    app: Option<AppThreads>,
}

/// Rank 0's app thread and collector thread, once the start has begun
/// them: on the reporter's thread, after the job's start (the hosts), so
/// the program's main thread need not wait for it.
type AppThreads = Arc<Mutex<Option<(JoinHandle<Ending>, JoinHandle<()>)>>>;

// SAFETY: MPI runs with MPI_THREAD_MULTIPLE, so the job's communicators may
// be used from whichever thread calls `MPI_Finalize`; nothing else in
// `Watched` is tied to a thread.
unsafe impl Send for Watched {}

static WATCHED: Mutex<Option<Watched>> = Mutex::new(None);

/// Whether the tutor was ever started in this process.
static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the program's `MPI_Init` started the tutor here.
pub fn was_started() -> bool {
    STARTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Starts the tutor in this rank, MPI not yet initialised; `init_site`
/// finds where the program called `MPI_Init` (on rank 0 only: only its
/// description of the program names it, see [`Describing`]). Must run as
/// the tutor's ([`probe::as_tutor`]): the job's own `MPI_Init_thread`
/// passes through the hooks. `Ok(false)`: this process is not a watched
/// rank.
///
/// Returns as soon as MPI is up and the recorder made: what the ranks do
/// together (the tutor's communicators, rank 0's settings, rank 0's app)
/// is completed by the reporter thread, and the program's first recorded
/// call waits for it only if it is not done by then
/// (docs/watch-design.md, "How a watched rank starts").
pub fn start(init_site: impl FnOnce() -> Site + Send + 'static) -> Result<bool, String> {
    let Some(config) = WatchConfig::from_env() else {
        return Ok(false);
    };
    STARTED.store(true, std::sync::atomic::Ordering::SeqCst);
    probe::preview::show_values(!config.no_values);
    probe::sends::make_synchronous(config.sync_sends);
    probe::heartbeat::set_limit(config.silence_limit);
    // The program's own children (a `system()` call) are not watched.
    std::env::remove_var("LD_PRELOAD");
    std::env::remove_var(super::CONFIG_ENV);
    // Before MPI starts, as a lesson's rank does: rank 0 connects to it to
    // learn which rank was killed first (the launcher then kills the rest).
    term::vigil::keep_a_line_open();
    // After the line, which grows the fd table: grown while another thread
    // runs, a table waits for an RCU grace period (13 ms, measured).
    let describing = Describing::early(&config, init_site);
    let job = Job::init_without_waiting().map_err(|e| e.to_string())?;
    let own = Saved::of_standard();
    let (recorder, app) = if job.rank() == 0 {
        // The app prints as soon as it starts (the log's hosts line), and
        // the capture below takes fds 1 and 2 from then on: the app prints
        // on the copies made before, from its first line.
        crate::app::out::redirect(own.out(), own.err());
        let app = AppThreads::default();
        let description = describing.begun(&config);
        (
            start_rank0(&job, config, description, app.clone()),
            Some(app),
        )
    } else {
        term::signals::leave_interrupts_to_rank0();
        (job.recorder_in_background(None, |_, _| {}), None)
    };
    process_recorder().install(recorder);
    let capture = Capture::start(&own).ok();
    if capture.is_some() && app.is_some() {
        probe::also_forward(&[own.out(), own.err()]);
    }
    *lock() = Some(Watched {
        job,
        own,
        capture,
        app,
    });
    super::failure::watch_for_failures();
    Ok(true)
}

/// Whether the tutor runs in this rank (between `MPI_Init` and
/// `MPI_Finalize`).
pub fn is_running() -> bool {
    lock().is_some()
}

/// Rank 0: decides the pace (here: the screen is found before the
/// capture takes fds 1 and 2), and makes this rank's recorder, whose start
/// shares the decision, then takes the program's description and starts
/// the collector and the app, leaving their threads in `app`.
fn start_rank0(
    job: &Job,
    config: WatchConfig,
    description: Receiver<Program>,
    app: AppThreads,
) -> Recorder {
    let screen = if config.headless {
        None
    } else {
        let tail = format!("-- {}", config.name);
        crate::run::full_screen(term::find_screen(), "watch", &tail)
    };
    let pace = pace_for(config.fast, config.paused, config.speed, screen.is_some());
    let mine = job_config(pace);
    let (size, library) = (job.size(), job.library().to_string());
    let headless = screen.is_none();
    let recorder = job.recorder_in_background(Some(mine), move |comms, shared| {
        // Without the program's sources if the look-up failed.
        let mut program = description
            .recv()
            .unwrap_or_else(|_| program_showing(&config, Vec::new(), false));
        if config.sync_sends {
            program
                .params
                .push((crate::run::SYNC_SENDS_PARAM.into(), "on".into()));
        }
        let started_unix = shared.started_unix;
        let setup = RunSetup {
            header: program.header(size, &library, started_unix, comms.hosts()),
            program,
            record: config.record.clone(),
            pace,
            speed: config.speed.unwrap_or(DEFAULT_SPEED),
            exit_when_done: config.exit_when_done,
        };
        crate::run::note_mpich_across_hosts(&setup.header);
        let (deliveries_tx, deliveries) = probe::delivery_channel();
        let (commands, commands_rx) = channel();
        let collector = comms.start_collector(size, deliveries_tx, commands_rx);
        let started = start_app(setup, screen, deliveries, commands);
        *app.lock().unwrap_or_else(|e| e.into_inner()) = Some((started, collector));
    });
    if headless {
        // Beside the rest of the start (see `start_beside`), but after the
        // reporter's thread, which every rank's start waits for: the app's
        // first lines wait for the guardian.
        term::guardian::start_beside();
    }
    recorder
}

/// Rank 0's description of the program ([`watched_program`]), made on a
/// thread of its own. Begun before MPI starts where the launcher's
/// variables say this is rank 0: the program's debug information and
/// sources (0.2 ms for a small C program, measured) are then read while
/// `PMPI_Init_thread` waits for the other ranks, not after it, when every
/// rank's start waits for rank 0's collector.
enum Describing<F> {
    Begun(Receiver<Program>),
    /// This process's rank is not known yet.
    Later(F),
}

impl<F: FnOnce() -> Site + Send + 'static> Describing<F> {
    /// Begun now if the launcher says this is rank 0.
    fn early(config: &WatchConfig, init_site: F) -> Describing<F> {
        if crate::launcher::launcher_rank() == Some(0) {
            Describing::Begun(describe(config, init_site))
        } else {
            Describing::Later(init_site)
        }
    }

    /// The description to come, begun now if it was not (on the program's
    /// thread, as [`describe`] needs).
    fn begun(self, config: &WatchConfig) -> Receiver<Program> {
        match self {
            Describing::Begun(description) => description,
            Describing::Later(init_site) => describe(config, init_site),
        }
    }
}

/// Starts describing the program on a thread of its own. A Python
/// program's `MPI_Init` line comes from its interpreter's frames, so it is
/// found here, on the program's thread.
fn describe(
    config: &WatchConfig,
    init_site: impl FnOnce() -> Site + Send + 'static,
) -> Receiver<Program> {
    let (described, description) = sync_channel(1);
    let config = config.clone();
    let init_site: Box<dyn FnOnce() -> Site + Send> = if super::python::is_python() {
        let site = init_site();
        Box::new(move || site)
    } else {
        Box::new(init_site)
    };
    let _ = std::thread::Builder::new()
        .name("mpi-tutor-describe".into())
        .spawn(move || {
            let _ = described.send(watched_program(&config, &init_site()));
        });
    description
}

/// The program as the view shows it: its name, and its source files read
/// from disk (with line information only), the one that calls `MPI_Init`
/// first. A Python program's are its script, not the interpreter's C
/// (and `python3 -m mpi4py prog.py` starts MPI in mpi4py's own code).
fn watched_program(config: &WatchConfig, init_site: &Site) -> Program {
    let first = std::path::Path::new(init_site.file.as_ref());
    let others = if super::python::is_python() {
        super::python::script().into_iter().collect()
    } else {
        super::sources::of(&config.program)
    };
    let source: Vec<SourceFile> = std::iter::once(first.to_path_buf())
        .filter(|_| init_site.has_line())
        .chain(others.into_iter().filter(|f| !f.ends_with(first)))
        .filter_map(|f| SourceFile::read(&f).ok())
        .collect();
    let has_lines = init_site.has_line() || !source.is_empty();
    program_showing(config, source, has_lines)
}

/// The program named as the view names it, showing `source`; without
/// `has_lines`, the view says how to get lines.
fn program_showing(config: &WatchConfig, source: Vec<SourceFile>, has_lines: bool) -> Program {
    let explanation = if has_lines {
        String::new()
    } else {
        words::NO_LINES.to_string()
    };
    // A Python run is named by its script, not by the interpreter.
    let name = super::python::program_name(&config.name);
    Program {
        name,
        title: Some(words::WATCHED_TITLE.to_string()),
        params: source
            .iter()
            .map(|s| {
                // Absolute: a replay may run elsewhere.
                let path = std::fs::canonicalize(&s.path).map(|p| p.display().to_string());
                (
                    SOURCE_PARAM.to_string(),
                    path.unwrap_or_else(|_| s.path.clone()),
                )
            })
            .collect(),
        sources: source.into_iter().collect(),
        explanation,
    }
}

/// Ends the tutor in this rank, before MPI ends: the captured output is
/// reported, `Finished` sent, rank 0's word awaited (on rank 0, the app's
/// end: the live view stays until `q`), and MPI finalised. Must run as
/// the tutor's. Returns the run's exit code on rank 0 (0 elsewhere), or
/// None if this rank was not watched.
pub fn finish() -> Option<i32> {
    let watched = lock().take()?;
    if let Some(capture) = watched.capture {
        capture.stop();
    }
    if let Some(recorder) = process_recorder().take() {
        watched.job.finish_recording(recorder);
    }
    let threads = watched.app.and_then(|app| app.lock().ok()?.take());
    let code = match threads {
        Some((app, collector)) => {
            let ending = app
                .join()
                .unwrap_or_else(|_| Ending::error("the view failed".into()));
            let _ = collector.join();
            ending.exit_code()
        }
        None => 0,
    };
    crate::app::out::redirect(-1, -1);
    watched.own.close();
    // Dropping the job finalises MPI.
    watched.job.bound_finalize(code);
    drop(watched.job);
    probe::finalized();
    Some(code)
}

fn lock() -> std::sync::MutexGuard<'static, Option<Watched>> {
    WATCHED.lock().unwrap_or_else(|e| e.into_inner())
}
