//! Starting and ending an MPI run: MPI with full thread support, the
//! tutor's own communicators, the shared start time and pace, and the
//! orderly exit (every rank waits, politely, for rank 0's word).

use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use mpi::environment::Universe;
use mpi::ffi;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;

use super::collector::{spawn_collector, Command, Delivery};
use super::comm::Comm;
use super::control::{wait_for_exit, ControlGate};
use super::latch::Latch;
use super::recorder::{Ready, Recorder};
use super::reporter;
use super::shared_comm::SharedComm;
use super::wait::{wait_promptly, Backoff};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("MPI could not be initialised")]
    NoMpi,
    #[error("this MPI library only provides {0:?} threading; mpi-tutor needs MPI_THREAD_MULTIPLE (MPICH and Open MPI provide it)")]
    NoThreads(Threading),
    #[error("this mpi-tutor was built against {built} but started by an mpiexec of another MPI ({launcher_size} ranks were launched, each sees a world of 1); use the mpiexec of the MPI it was built with, or rebuild (cargo clean -p mpi-sys)")]
    ForeignLauncher { built: String, launcher_size: u32 },
}

/// What rank 0 decides and every rank learns at start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobConfig {
    /// Ranks stop before each MPI call until rank 0 lets them go.
    pub gated: bool,
    /// The run's start, seconds since the Unix epoch, by rank 0's clock.
    pub started_unix: f64,
}

/// The size a launcher announced in the environment, if any.
pub fn launcher_env_size() -> Option<u32> {
    [
        "PMI_SIZE",
        "OMPI_COMM_WORLD_SIZE",
        "PMIX_SIZE",
        "MPI_LOCALNRANKS",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok()?.parse().ok())
}

pub struct Job {
    world: SimpleCommunicator,
    /// The tutor's communicators, begun in `MPI_Init` and completed then
    /// ([`Job::init`]) or in the background ([`Job::recorder_in_background`]).
    starting: Mutex<Option<Starting>>,
    comms: Arc<Latch<Comms>>,
    rank: u32,
    size: u32,
    library: String,
    // Dropping the universe finalises MPI: declared last, so it is dropped
    // after the communicators above are freed.
    _universe: Universe,
}

impl Job {
    /// Initialises MPI and the tutor's communicators (collective: every
    /// rank calls it).
    pub fn init() -> Result<Job, StartError> {
        let job = Job::init_without_waiting()?;
        job.comms();
        Ok(job)
    }

    /// Initialises MPI and makes the tutor's communicator, without the
    /// rest of the start (the hosts, rank 0's settings), which
    /// [`Job::recorder_in_background`] completes (anything that needs it
    /// before waits for it). Collective: every rank calls it, before any
    /// other collective on the world (see `Starting`).
    pub fn init_without_waiting() -> Result<Job, StartError> {
        let (universe, threading) =
            mpi::initialize_with_threading(Threading::Multiple).ok_or(StartError::NoMpi)?;
        let library = mpi::environment::library_version()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if threading != Threading::Multiple {
            return Err(StartError::NoThreads(threading));
        }
        let world = universe.world();
        let size = world.size() as u32;
        if let Some(launched) = launcher_env_size() {
            if size == 1 && launched > 1 {
                return Err(StartError::ForeignLauncher {
                    built: library,
                    launcher_size: launched,
                });
            }
        }
        let rank = world.rank() as u32;
        super::fatal::install_hook(rank);
        let starting = Mutex::new(Some(Starting::begin(&world)));
        Ok(Job {
            _universe: universe,
            world,
            starting,
            comms: Arc::default(),
            rank,
            size,
            library,
        })
    }

    /// The tutor's communicators, completed here if no one has taken
    /// their start to complete it elsewhere, else once that is done.
    fn comms(&self) -> &Comms {
        complete(self.take_start(), &self.comms)
    }

    /// The start still to complete, unless a caller has taken it already.
    fn take_start(&self) -> Option<Starting> {
        self.starting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    pub fn rank(&self) -> u32 {
        self.rank
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// The host each rank runs on, indexed by rank: on rank 0 only (the
    /// others have no header to write).
    pub fn hosts(&self) -> &[String] {
        self.comms().hosts()
    }

    /// `MPI_Get_library_version`, first line.
    pub fn library(&self) -> &str {
        &self.library
    }

    /// Rank 0 passes its decision, the others `None`; all get rank 0's.
    pub fn share_config(&self, mine: Option<JobConfig>) -> JobConfig {
        share_config(&self.comms().tutor.0, mine)
    }

    /// This rank's recorder: its events go to rank 0 through a reporter
    /// thread of its own, it is held at the teacher's pace through rank 0's
    /// control messages, and a panic is reported through it. For callers
    /// that are not lessons (hooks around a program's MPI calls), who end
    /// with [`Job::finish_recording`]; a lesson gets [`Job::lesson_comm`].
    pub fn recorder(&self, config: JobConfig) -> Recorder {
        let now = unix_now();
        let comms = self.comms();
        let outbox = reporter::start(comms.tutor.clone(), self.size());
        let recorder = Recorder::new(self.rank, now - config.started_unix, outbox)
            .paced_by(ControlGate(comms.tutor.clone()), config.gated);
        super::fatal::set_reporter(recorder.failure_reporter());
        recorder
    }

    /// This rank's recorder, as [`Job::recorder`], made at once, before the
    /// job has started: its reporter thread completes the start (the
    /// tutor's communicators, the hosts, rank 0's settings: `mine` on
    /// rank 0, `None` elsewhere), runs `then` with them, and only then
    /// reports. The recorder's first event waits for all that, if it is
    /// not done by then; its clock runs from now, by rank 0's once known.
    pub fn recorder_in_background<F>(&self, mine: Option<JobConfig>, then: F) -> Recorder
    where
        F: FnOnce(&Comms, JobConfig) + Send + 'static,
    {
        let starting = self.take_start();
        let comms = self.comms.clone();
        let ready = Arc::new(Ready::new());
        let made_unix = unix_now();
        let start = {
            let ready = ready.clone();
            move || {
                let (comms, config) = complete_sharing(starting, &comms, mine);
                then(comms, config);
                let gate = Box::new(ControlGate(comms.tutor.clone()));
                ready.set(made_unix - config.started_unix, gate, config.gated);
                comms.tutor.clone()
            }
        };
        let outbox = reporter::start_after(self.size, start);
        let recorder = Recorder::starting(self.rank, outbox, ready);
        super::fatal::set_reporter(recorder.failure_reporter());
        recorder
    }

    /// The instrumented communicator the lesson runs on.
    pub fn lesson_comm(&self, config: JobConfig) -> Comm {
        Comm::new(duplicate_politely(&self.world), self.recorder(config))
    }

    /// Rank 0: starts the thread that gathers every rank's events.
    pub fn start_collector(
        &self,
        sink: SyncSender<Delivery>,
        commands: Receiver<Command>,
    ) -> JoinHandle<()> {
        self.comms().start_collector(self.size, sink, commands)
    }

    /// Reports the end of the lesson (with the count of events sent) and
    /// waits, without spinning, until rank 0 says the run is over.
    pub fn finish(&self, comm: Comm) {
        self.finish_recording(comm.into_recorder());
    }

    /// Reports the end of the program (with the count of events sent) and
    /// waits, without spinning, until rank 0 says the run is over.
    pub fn finish_recording(&self, recorder: Recorder) {
        super::fatal::clear_reporter();
        recorder.finish();
        wait_for_exit(&self.comms().tutor);
    }

    /// Ends every rank of the job now, with `code` as mpiexec's exit code.
    pub fn abort(&self, code: i32) -> ! {
        super::fatal::abort_job(code)
    }

    /// The run is over (rank 0 said so): MPI_Finalize, when the job is
    /// dropped, may take at most [`FINALIZE_BOUND`], after which this
    /// process exits with `code`. Debian's MPICH 4.0.2 can hang there
    /// across hosts (docs/multihost-facts.md); nothing is left to lose.
    pub fn bound_finalize(&self, code: i32) {
        let _ = std::thread::Builder::new().spawn(move || {
            std::thread::sleep(FINALIZE_BOUND);
            if !FINALIZED.load(std::sync::atomic::Ordering::SeqCst) {
                // SAFETY: ending the process, its run over, MPI stuck.
                unsafe { libc::_exit(code) }
            }
        });
    }
}

/// MPI_Finalize has returned: a watched program goes on as long as it
/// likes after it.
pub fn finalized() {
    FINALIZED.store(true, std::sync::atomic::Ordering::SeqCst);
}

static FINALIZED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How long MPI_Finalize may take once the run is over.
const FINALIZE_BOUND: std::time::Duration = std::time::Duration::from_secs(5);

/// The tutor's own communicator, for the events and rank 0's control
/// messages alike (their tags apart: see `Starting`), and where each rank
/// runs.
pub struct Comms {
    tutor: Arc<SharedComm>,
    /// Each rank's host, on rank 0 (empty on the others).
    hosts: Vec<String>,
}

impl Comms {
    /// The host each rank runs on, indexed by rank: on rank 0 only.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// Rank 0: starts the thread that gathers the events of the job's
    /// `size` ranks.
    pub fn start_collector(
        &self,
        size: u32,
        sink: SyncSender<Delivery>,
        commands: Receiver<Command>,
    ) -> JoinHandle<()> {
        spawn_collector(self.tutor.clone(), size, sink, commands)
    }
}

/// The tutor's communicator, a duplicate of the world, before the hosts
/// are gathered on it. One duplicate, not one for events and one for
/// control: each is a context id all ranks agree on (~1 ms at start,
/// measured), and the tags (`EVENTS_TAG`, `CONTROL_TAG`, `BEAT_TAG`) keep
/// the two kinds of message apart, every receive naming its tag.
///
/// The duplicate is made to completion on the thread that starts MPI,
/// before the program's own calls: completed by another thread while the
/// program's thread went on, Open MPI 4.1 with mpi4py 3.1's pickled
/// collectives hung in 8 runs of 10 (the duplicate never completed on two
/// of three ranks).
struct Starting {
    tutor: SimpleCommunicator,
}

// SAFETY: MPI runs with MPI_THREAD_MULTIPLE, so the communicator may be
// used from another thread than the one that made it.
unsafe impl Send for Starting {}

impl Starting {
    /// Duplicates `world`: collective, at the same point on every rank.
    fn begin(world: &SimpleCommunicator) -> Starting {
        Starting {
            tutor: duplicate_politely(world),
        }
    }

    /// Gathers the hosts on the tutor's communicator: the tutor's
    /// communicators.
    fn complete(self) -> Comms {
        self.complete_and(|_| {})
    }

    /// As [`Starting::complete`], running `also` on the tutor's
    /// communicator while the hosts' gather is under way: a collective
    /// of its own there overlaps the gather instead of following it.
    fn complete_and(self, also: impl FnOnce(&SimpleCommunicator)) -> Comms {
        let hosts = super::placement::gather_hosts_and(&self.tutor, || also(&self.tutor));
        Comms {
            tutor: Arc::new(SharedComm(self.tutor)),
            hosts,
        }
    }
}

/// The tutor's communicators: completed here from `start` if it was taken
/// by this caller, else waited for (another caller completes them).
fn complete(start: Option<Starting>, comms: &Latch<Comms>) -> &Comms {
    match start {
        Some(start) => comms.get_or_init(|| start.complete()),
        None => comms.wait(),
    }
}

/// The tutor's communicators as [`complete`] makes them, and rank 0's
/// settings as [`share_config`] shares them: both collectives under way
/// at once where this caller completes the start.
fn complete_sharing(
    start: Option<Starting>,
    comms: &Latch<Comms>,
    mine: Option<JobConfig>,
) -> (&Comms, JobConfig) {
    let mut shared = None;
    let comms = match start {
        Some(start) => comms
            .get_or_init(|| start.complete_and(|tutor| shared = Some(share_config(tutor, mine)))),
        None => comms.wait(),
    };
    // Completed by another caller: the settings are shared after it.
    let config = shared.unwrap_or_else(|| share_config(&comms.tutor.0, mine));
    (comms, config)
}

/// Rank 0 passes its decision on `control`, the others `None`; all get
/// rank 0's.
fn share_config(control: &SimpleCommunicator, mine: Option<JobConfig>) -> JobConfig {
    let flag = |on: bool| if on { 1.0 } else { 0.0 };
    let mut buf = match mine {
        Some(c) => [c.started_unix, flag(c.gated)],
        None => [0.0; 2],
    };
    let root = control.process_at_rank(0);
    mpi::request::scope(|scope| {
        wait_promptly(root.immediate_broadcast_into(scope, &mut buf[..]));
    });
    JobConfig {
        started_unix: buf[0],
        gated: buf[1] != 0.0,
    }
}

/// Now, in seconds since the Unix epoch.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `MPI_Comm_dup`, waited for politely. A blocking duplicate is a collective
/// in which every rank spins until the last one arrives: with 64 ranks on 2
/// cores, three of them took 3 s of a run whose lesson took 0.6 s.
/// `MPI_Comm_idup` tested with back-off takes ~0.1 s there.
fn duplicate_politely(comm: &SimpleCommunicator) -> SimpleCommunicator {
    // SAFETY: `newcomm` and `request` live in this frame until the request
    // has completed (tested to completion below), as MPI_Comm_idup needs;
    // the new handle is then a live intra-communicator owned by nobody else.
    unsafe {
        let mut newcomm = ffi::RSMPI_COMM_NULL;
        let mut request = ffi::RSMPI_REQUEST_NULL;
        ffi::MPI_Comm_idup(comm.as_raw(), &mut newcomm, &mut request);
        let mut backoff = Backoff::new();
        loop {
            let mut done = 0;
            ffi::MPI_Test(&mut request, &mut done, ffi::RSMPI_STATUS_IGNORE);
            if done != 0 {
                break;
            }
            backoff.snooze();
        }
        SimpleCommunicator::from_raw(newcomm)
    }
}
