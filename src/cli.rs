//! The command line, in words a student understands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::export::Format;

#[derive(Debug, Parser)]
#[command(
    name = "mpi-tutor",
    version,
    about = "Learn MPI by watching it: every rank runs a lesson, rank 0 shows what they do.",
    after_help = "Start with `mpi-tutor list`, then `mpi-tutor lesson send-recv`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the lessons in course order, by section, with the rank counts
    /// each accepts.
    List,
    /// Run a lesson on every rank and watch it (start it with mpiexec, or
    /// alone: mpi-tutor then starts mpiexec itself).
    Lesson(LessonArgs),
    /// Watch your own MPI program run: `mpi-tutor watch -n 4 -- ./a.out`
    /// (C, C++ or Fortran built with `-g`, or `python3 prog.py` with
    /// mpi4py; started with mpiexec, or alone: mpi-tutor then starts
    /// mpiexec itself).
    Watch(WatchArgs),
    /// Play a recorded run (from `lesson` or `watch` with `--record FILE`)
    /// in the same view, without MPI: step forwards and backwards, play,
    /// pause.
    Replay(ReplayArgs),
    /// Convert a recorded run for other tools: `--format chrome` writes the
    /// trace-event JSON that Perfetto (ui.perfetto.dev), chrome://tracing and
    /// Chrome DevTools' Performance panel open; `--format otf2` an OTF2
    /// archive for Vampir and Score-P's tools.
    Export(ExportArgs),
    /// Write a lesson's mpi4py twin to the current folder, its exercises
    /// as comments at the top, and print the command that watches it.
    Exercise(ExerciseArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ExerciseArgs {
    /// The lesson whose twin to write (see `mpi-tutor list`).
    pub name: String,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The recorded trace (JSON Lines).
    pub file: PathBuf,

    /// The format to write.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// Where to write (default: standard output).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// The recorded trace (JSON Lines).
    pub file: PathBuf,

    /// Print the log a live headless run printed, instead of the view.
    #[arg(long)]
    pub headless: bool,
}

#[derive(Debug, Args, Clone)]
pub struct LessonArgs {
    /// The lesson to run (see `mpi-tutor list`).
    pub name: String,

    /// How many ranks to start when mpi-tutor starts mpiexec itself
    /// (default: the lesson's own).
    #[arg(short = 'n', long = "ranks", value_name = "N")]
    pub ranks: Option<u32>,

    #[command(flatten)]
    pub show: ShowArgs,

    /// Quit the live view by itself when the lesson ends.
    #[arg(long)]
    pub exit_when_done: bool,

    /// Print the lesson's explanation and exercises, then exit.
    #[arg(long)]
    pub explain: bool,

    /// The lesson's problem size, where it has one.
    #[arg(long, value_name = "N")]
    pub size: Option<u32>,

    /// How many iterations, where the lesson iterates.
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,

    /// Run a named variant of the lesson: one of its exercises, done for
    /// you (`--explain` lists them).
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,

    #[command(flatten)]
    pub hosts: HostArgs,
}

#[derive(Debug, Args, Clone)]
pub struct WatchArgs {
    /// How many ranks to start when mpi-tutor starts mpiexec itself
    /// (default: 4).
    #[arg(short = 'n', long = "ranks", value_name = "N")]
    pub ranks: Option<u32>,

    #[command(flatten)]
    pub show: ShowArgs,

    /// Quit the live view by itself when the program ends.
    #[arg(long)]
    pub exit_when_done: bool,

    /// The program and its arguments (after `--`, or after the options:
    /// everything from the program's name on is the program's).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROGRAM"
    )]
    pub command: Vec<String>,

    #[command(flatten)]
    pub hosts: HostArgs,
}

// Where the ranks run when mpi-tutor starts mpiexec itself: the flags
// `lesson` and `watch` share (a plain comment, as for ShowArgs).
#[derive(Debug, Args, Clone, Default)]
pub struct HostArgs {
    /// Run the ranks on these machines, SLOTS ranks on each, rank 0 on the
    /// first: `--hosts node1:2,node2:2` (the rank count is their sum unless
    /// -n says otherwise).
    #[arg(long, value_name = "HOST:SLOTS,...", conflicts_with = "hostfile")]
    pub hosts: Option<crate::hosts::HostList>,

    /// Run the ranks on the machines listed in FILE, one a line, as
    /// `node1:2` or `node1 slots=2`.
    #[arg(long, value_name = "FILE")]
    pub hostfile: Option<PathBuf>,
}

impl HostArgs {
    /// The hosts given, the hostfile read; None when neither was given.
    pub fn list(&self) -> Result<Option<crate::hosts::HostList>, crate::hosts::HostsError> {
        crate::hosts::given(self.hosts.as_ref(), self.hostfile.as_ref())
    }

    pub fn given(&self) -> bool {
        self.hosts.is_some() || self.hostfile.is_some()
    }
}

// How a run is shown, paced and recorded: the flags `lesson` and `watch`
// share (flattened into each, in this place in their help). A plain
// comment: a doc comment here would become the subcommands' about text.
#[derive(Debug, Args, Clone)]
pub struct ShowArgs {
    /// Print a plain-text log instead of the full-screen view.
    #[arg(long)]
    pub headless: bool,

    /// Record every event to FILE (JSON Lines) for replay.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Calls per second released to the ranks (the classroom pace).
    /// Live view default: 2. Headless default: full speed.
    #[arg(long, value_name = "CALLS_PER_SECOND", allow_negative_numbers = true)]
    pub speed: Option<f64>,

    /// Run at full speed: no pacing.
    #[arg(long, conflicts_with_all = ["speed", "paused"])]
    pub fast: bool,

    /// Start paused: every rank stops before its first MPI call.
    #[arg(long)]
    pub paused: bool,

    /// Do not preview the values messages carry (saves time in large runs).
    #[arg(long)]
    pub no_values: bool,

    /// Every standard send behaves as a synchronous send (MPI_Ssend): it
    /// returns only once its receive has begun, never buffered. A program
    /// that works only because MPI buffered its small messages deadlocks.
    #[arg(long)]
    pub sync_sends: bool,

    /// End the job when a rank has not been heard from for SECS seconds
    /// (its host unreachable, a link cut; default 30; 0: wait for ever).
    #[arg(long, value_name = "SECS")]
    pub silence_limit: Option<u64>,
}
