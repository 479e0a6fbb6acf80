//! The event schema: one definition for the wire to rank 0, the recorded
//! `.jsonl` files and the test fixtures. No MPI and no terminal code here, so
//! the model, the view and the tests can use it without either.
//!
//! A trace file is JSON Lines: the first line is a [`Header`], every other
//! line an [`Event`].

mod causal;
mod check;
pub mod display;
pub(crate) mod intern;
mod load;
mod matching;
pub(crate) mod packed;
mod reader;
mod stream;
mod target;
pub mod values;
pub mod wire;
mod writer;

pub use causal::{consumed, CausalOrder};
pub use check::{CheckReport, Problem, TraceCheck, PROBLEMS_KEPT};
pub use load::{load_packed, load_trace, MAX_TRACE_BYTES};
pub use matching::{Matcher, SendCounter};
pub use packed::{Packed, PackedBuilder};
pub use reader::{
    read_packed, read_trace, read_trace_from, PackedTrace, Trace, TraceError, MAX_WORLD_SIZE,
};
pub use stream::EventStream;
pub use target::{check_record_target, RecordTargetError};
pub use values::Values;
pub use writer::{seal, TraceWriter};

use serde::{Deserialize, Serialize};

/// Bumped whenever a change would make an older reader misread a file.
pub const FORMAT_VERSION: u32 = 1;
/// The `format` field of every header, so a stray JSON file is recognised as
/// "not a trace" rather than misread.
pub const FORMAT_NAME: &str = "mpi-tutor-trace";

/// A rank number in `MPI_COMM_WORLD`.
pub type Rank = u32;

/// Text that is almost always known at compile time (a lesson's file name,
/// a datatype's name): the probe reports it without allocating, readers
/// own what they read.
pub type Text = std::borrow::Cow<'static, str>;

/// First line of a trace file and first thing the view learns about a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub lesson: String,
    pub world_size: u32,
    /// What `MPI_Get_library_version` says, first line only.
    pub mpi_library: String,
    /// Wall-clock start of the run, seconds since the Unix epoch. Event times
    /// are seconds after this instant.
    pub started_unix: f64,
    /// The lesson's parameters as given on the command line (`--size 64`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
    /// The host each rank runs on, indexed by rank (`MPI_Get_processor_name`).
    /// Empty in recordings made before hosts were known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// A program no version can know (a watched one): the title its run
    /// showed, so that its replay shows it too. None for a built-in lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the run explained beside such a program's source (how to get
    /// its lines); empty for a lesson, whose explanation the version has.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub explanation: String,
}

impl Header {
    pub fn new(lesson: &str, world_size: u32, mpi_library: &str, started_unix: f64) -> Self {
        Header {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            lesson: lesson.to_string(),
            world_size,
            mpi_library: mpi_library.to_string(),
            started_unix,
            params: Vec::new(),
            hosts: Vec::new(),
            title: None,
            explanation: String::new(),
        }
    }

    /// The host `rank` runs on, when the run said so.
    pub fn host(&self, rank: Rank) -> Option<&str> {
        self.hosts.get(rank as usize).map(String::as_str)
    }

    /// Do the run's ranks live on more than one host?
    pub fn spans_hosts(&self) -> bool {
        self.hosts.iter().any(|h| Some(h) != self.hosts.first())
    }

    /// Does a message from `from` to `to` cross between hosts? False when
    /// either host is unknown.
    pub fn crosses_hosts(&self, from: Rank, to: Rank) -> bool {
        matches!((self.host(from), self.host(to)), (Some(a), Some(b)) if a != b)
    }
}

/// Something one rank did. `seq` counts the rank's events from 0 without
/// gaps, so a missing or duplicated event is detectable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub rank: Rank,
    pub seq: u64,
    /// Seconds since [`Header::started_unix`], by the rank's own clock.
    pub t: f64,
    pub event: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The rank stopped before this call because the teacher controls the
    /// pace; it enters the call (a `Begin`) when rank 0 releases it.
    /// (Boxed, like `Begin`'s: a call is large and every other event small,
    /// and rank 0 moves every event several times.)
    Held(Box<Call>),
    /// The rank entered an MPI call.
    Begin(Box<Call>),
    /// The call returned.
    End(CallEnd),
    /// A receive that completed earlier could only now be matched to its
    /// send (an earlier-posted wildcard receive was still open then).
    Matched { call: u64, msg: MsgId },
    /// Lesson output: what the rank "says". Ranks never print themselves.
    Say { text: String },
    /// The lesson's own check of its result.
    Check { what: String, passed: bool },
    /// A snapshot of distributed data (the halo lesson's field): this rank's
    /// block, `rows` x `cols` values in row-major order, placed at
    /// (`row0`, `col0`) of a global grid of `grid_rows` x `grid_cols`.
    Field(FieldBlock),
    /// The lesson returned normally. `events` is how many events this rank
    /// sent, this one included, so rank 0 can tell whether any were lost;
    /// `throttled`, how often the lesson waited because rank 0 was far
    /// behind with the events (see `probe::reporter`).
    Finished {
        events: u64,
        #[serde(default, skip_serializing_if = "is_zero")]
        throttled: u64,
    },
    /// The rank failed: a panic or an error in the lesson.
    Failed { message: String, site: Option<Site> },
    /// Written by rank 0 as the last record of a run: how it ended.
    RunEnded { outcome: Outcome, detail: String },
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where in the source a call was made: a file and its line, or (line 0)
/// only a name: the function of a program without debug information.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Site {
    pub file: Text,
    pub line: u32,
}

impl Site {
    /// Whether the site has a line, not only a function's name.
    pub fn has_line(&self) -> bool {
        self.line != 0
    }
}

/// `file.c:14`, or the function's name alone (`main`, never `main:0`).
impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.has_line() {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            write!(f, "{}", self.file)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Send,
    Recv,
    Sendrecv,
    Isend,
    Irecv,
    Wait,
    Waitall,
    Test,
    Barrier,
    Bcast,
    Scatter,
    Gather,
    Reduce,
    Allreduce,
    // Calls a watched program makes that the lessons do not (after the
    // lessons' own, so the wire's numbers of old recordings stay).
    /// A synchronous send: returns once the receive has begun.
    Ssend,
    /// Waits for a message without taking it.
    Probe,
    /// Asks whether a message is there, without taking it.
    Iprobe,
    /// Makes sub-communicators: collective over the parent.
    CommSplit,
    /// Copies a communicator: collective over it.
    CommDup,
    Allgather,
    Alltoall,
    Scan,
    /// Scatter with a count of its own for each rank.
    Scatterv,
    /// Gather with a count of its own for each rank.
    Gatherv,
    /// Tests requests: all of them complete, or none.
    Testall,
    /// Waits for a message and takes it off the queue (matched here), for
    /// an `Mrecv` to receive.
    Mprobe,
    /// Takes a message off the queue if there is one (matched here).
    Improbe,
    /// Receives the message an `Mprobe` took.
    Mrecv,
    /// Starts receiving the message an `Mprobe` took.
    Imrecv,
    /// Waits for one of its requests to complete.
    Waitany,
    /// Waits for at least one of its requests to complete.
    Waitsome,
    /// Tests whether one of its requests has completed.
    Testany,
    /// Tests which of its requests have completed.
    Testsome,
    /// A reduction whose result is spread over the ranks, a count each.
    ReduceScatter,
    /// A reduction whose result is spread over the ranks, the same count each.
    ReduceScatterBlock,
    /// The reduction of the ranks before this one.
    Exscan,
    /// Allgather with a count of its own for each rank.
    Allgatherv,
    /// Alltoall with a count of its own for each pair.
    Alltoallv,
    // The nonblocking collectives: each starts a request, and the wait or
    // test on it is where the rank waits for the others.
    Ibarrier,
    Ibcast,
    Iscatter,
    Iscatterv,
    Igather,
    Igatherv,
    Iallgather,
    Iallgatherv,
    Ialltoall,
    Ialltoallv,
    Ireduce,
    Iallreduce,
    IreduceScatter,
    IreduceScatterBlock,
    Iscan,
    Iexscan,
    /// Makes a communicator of a group: collective over the parent.
    CommCreate,
    /// Makes a communicator with a grid: collective over the parent.
    CartCreate,
    /// Computes a rank's neighbours on a grid: local, no message.
    CartShift,
    /// Joins two groups in an intercommunicator: collective over each.
    IntercommCreate,
    /// Any other MPI call, named by [`Call::name`].
    Other,
    // One-sided communication (after `Other`, so the wire's numbers of
    // old recordings stay).
    /// Exposes a rank's memory as a window: collective over the comm.
    WinCreate,
    /// Writes into another rank's window; done at the next fence.
    Put,
    /// Reads from another rank's window; done at the next fence.
    Get,
    /// Ends one access epoch and starts the next: collective over the
    /// window's comm, the puts and gets before it are complete after it.
    Fence,
    /// Frees a window: collective over the comm.
    WinFree,
}

impl Op {
    // A table of one line per op, not a procedure to split.
    #[allow(clippy::too_many_lines)]
    pub fn name(self) -> &'static str {
        match self {
            Op::Send => "send",
            Op::Recv => "recv",
            Op::Sendrecv => "sendrecv",
            Op::Isend => "isend",
            Op::Irecv => "irecv",
            Op::Wait => "wait",
            Op::Waitall => "waitall",
            Op::Test => "test",
            Op::Barrier => "barrier",
            Op::Bcast => "bcast",
            Op::Scatter => "scatter",
            Op::Gather => "gather",
            Op::Reduce => "reduce",
            Op::Allreduce => "allreduce",
            Op::Ssend => "ssend",
            Op::Probe => "probe",
            Op::Iprobe => "iprobe",
            Op::CommSplit => "comm_split",
            Op::CommDup => "comm_dup",
            Op::Allgather => "allgather",
            Op::Alltoall => "alltoall",
            Op::Scan => "scan",
            Op::Scatterv => "scatterv",
            Op::Gatherv => "gatherv",
            Op::Testall => "testall",
            Op::Mprobe => "mprobe",
            Op::Improbe => "improbe",
            Op::Mrecv => "mrecv",
            Op::Imrecv => "imrecv",
            Op::Waitany => "waitany",
            Op::Waitsome => "waitsome",
            Op::Testany => "testany",
            Op::Testsome => "testsome",
            Op::ReduceScatter => "reduce_scatter",
            Op::ReduceScatterBlock => "reduce_scatter_block",
            Op::Exscan => "exscan",
            Op::Allgatherv => "allgatherv",
            Op::Alltoallv => "alltoallv",
            Op::Ibarrier => "ibarrier",
            Op::Ibcast => "ibcast",
            Op::Iscatter => "iscatter",
            Op::Iscatterv => "iscatterv",
            Op::Igather => "igather",
            Op::Igatherv => "igatherv",
            Op::Iallgather => "iallgather",
            Op::Iallgatherv => "iallgatherv",
            Op::Ialltoall => "ialltoall",
            Op::Ialltoallv => "ialltoallv",
            Op::Ireduce => "ireduce",
            Op::Iallreduce => "iallreduce",
            Op::IreduceScatter => "ireduce_scatter",
            Op::IreduceScatterBlock => "ireduce_scatter_block",
            Op::Iscan => "iscan",
            Op::Iexscan => "iexscan",
            Op::CommCreate => "comm_create",
            Op::CartCreate => "cart_create",
            Op::CartShift => "cart_shift",
            Op::IntercommCreate => "intercomm_create",
            Op::Other => "other",
            Op::WinCreate => "win_create",
            Op::Put => "put",
            Op::Get => "get",
            Op::Fence => "fence",
            Op::WinFree => "win_free",
        }
    }

    pub fn is_collective(self) -> bool {
        matches!(
            self,
            Op::Barrier
                | Op::Bcast
                | Op::Scatter
                | Op::Gather
                | Op::Reduce
                | Op::Allreduce
                | Op::CommSplit
                | Op::CommDup
                | Op::Allgather
                | Op::Alltoall
                | Op::Scan
                | Op::Scatterv
                | Op::Gatherv
                | Op::ReduceScatter
                | Op::ReduceScatterBlock
                | Op::Exscan
                | Op::Allgatherv
                | Op::Alltoallv
                | Op::CommCreate
                | Op::CartCreate
                | Op::IntercommCreate
                | Op::WinCreate
                | Op::Fence
                | Op::WinFree
        )
    }

    /// A one-sided transfer: data moves between this rank and another
    /// rank's window without the other rank taking part.
    pub fn is_one_sided(self) -> bool {
        matches!(self, Op::Put | Op::Get)
    }

    /// A collective that starts a request: the ranks meet in the wait or
    /// test that completes it.
    pub fn is_nonblocking_collective(self) -> bool {
        matches!(
            self,
            Op::Ibarrier
                | Op::Ibcast
                | Op::Iscatter
                | Op::Iscatterv
                | Op::Igather
                | Op::Igatherv
                | Op::Iallgather
                | Op::Iallgatherv
                | Op::Ialltoall
                | Op::Ialltoallv
                | Op::Ireduce
                | Op::Iallreduce
                | Op::IreduceScatter
                | Op::IreduceScatterBlock
                | Op::Iscan
                | Op::Iexscan
        )
    }

    /// A call that starts a request for a wait or test to complete.
    pub fn starts_request(self) -> bool {
        matches!(self, Op::Isend | Op::Irecv) || self.is_nonblocking_collective()
    }

    /// A wait or test that completes only some of its requests: the end
    /// names which ([`CallEnd::done`]).
    pub fn completes_some(self) -> bool {
        matches!(
            self,
            Op::Waitany | Op::Waitsome | Op::Testany | Op::Testsome
        )
    }
}

/// Which sender a receive accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Rank(Rank),
    Any,
}

/// Which tag a receive accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagSel {
    Tag(i32),
    Any,
}

/// Identifies one message exactly: the `k`-th message (from 0) sent on the
/// channel (from, to, tag, comm). MPI's non-overtaking rule makes the k-th
/// message on a channel the k-th one received from it, which is how a
/// receive names the send it consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MsgId {
    pub from: Rank,
    pub to: Rank,
    pub tag: i32,
    pub comm: u32,
    pub k: u64,
}

/// The sending half of a call (send, isend, sendrecv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendPart {
    pub dest: Rank,
    pub tag: i32,
    pub count: u64,
    pub datatype: Text,
    pub bytes: u64,
    pub msg: MsgId,
    /// A short preview of the values sent (`[0.0, 1.0, 2.0 … 99.0]`), when
    /// the sender could read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Values>,
}

/// The receiving half of a call (recv, irecv, sendrecv): what it accepts and
/// how much room it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecvPart {
    pub source: Source,
    pub tag: TagSel,
    pub count: u64,
    pub datatype: Text,
}

/// A collective call. Every rank of `comm` calls its collectives in the same
/// order, so `instance` (counting from 0 per communicator) names the same
/// collective on every rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectivePart {
    pub root: Option<Rank>,
    pub instance: u64,
    pub count: u64,
    pub datatype: Text,
    pub bytes: u64,
    /// The ranks taking part (all of them for the world communicator).
    pub members: u32,
    /// A short preview of the values this rank puts in (the root's data
    /// for a broadcast, its whole array for a scatter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Values>,
    /// How a reduction combines the values (`sum`, `max`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Counts this rank's calls from 0; `End` and `Wait` refer to it.
    pub id: u64,
    pub op: Op,
    /// Communicator number: 0 is the lesson's world.
    #[serde(default)]
    pub comm: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<SendPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recv: Option<RecvPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collective: Option<CollectivePart>,
    /// Wait, waitall, test: the ids of the isend/irecv calls they complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<u64>,
    pub site: Site,
    /// For [`Op::Other`]: the MPI function's name (`MPI_Type_commit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// For [`Op::CartShift`]: the neighbours it computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<Shift>,
    /// Probe, iprobe, an unanswered improbe: the messages it looks for,
    /// without taking one (so no receive is posted for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbePart>,
    /// For [`Op::Put`] and [`Op::Get`]: what moves to or from which window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rma: Option<RmaPart>,
}

/// A put or a get: `count` values at `disp` (counted in values) of rank
/// `target`'s window, written from (put) or read into (get) this rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RmaPart {
    pub target: Rank,
    pub disp: u64,
    pub count: u64,
    pub datatype: Text,
    pub bytes: u64,
    /// A short preview of the values a put writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Values>,
}

impl Call {
    /// Call `id` of `op` on communicator `comm`, made at `site`, with no
    /// parts (add them to its fields).
    pub fn bare(id: u64, op: Op, comm: u32, site: Site) -> Call {
        Call {
            id,
            op,
            comm,
            send: None,
            recv: None,
            collective: None,
            requests: Vec::new(),
            site,
            name: None,
            shift: None,
            probe: None,
            rma: None,
        }
    }

    /// The call's name as the log shows it: the op's, or an other call's
    /// own MPI name.
    pub fn op_name(&self) -> &str {
        match (&self.op, &self.name) {
            (Op::Other, Some(name)) => name,
            (op, _) => op.name(),
        }
    }
}

/// The neighbours `MPI_Cart_shift` computed, as world ranks: the one to
/// receive from and the one to send to (None: `MPI_PROC_NULL`, nobody).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub source: Option<Rank>,
    pub dest: Option<Rank>,
}

/// What a probe looks for: a message it would find, and leave for a
/// receive to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbePart {
    pub source: Source,
    pub tag: TagSel,
}

/// A completed receive: who actually sent it (from the status) and which
/// send it consumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Received {
    /// The receive call (the recv itself, or the irecv a wait completed).
    pub call: u64,
    pub source: Rank,
    pub tag: i32,
    pub bytes: u64,
    /// `None` only while an earlier-posted wildcard receive is still open; a
    /// later `Matched` event then names the send.
    pub msg: Option<MsgId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEnd {
    pub id: u64,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub received: Vec<Received>,
    /// For `test`: whether the requests had completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    /// For waitany, waitsome, testany, testsome: the calls whose requests
    /// completed (the ids of the calls that started them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<u64>,
    /// For [`Op::Other`]: the MPI function's name, as its `Begin` gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// A short preview of the values the call received (a receive's
    /// message, a collective's result on this rank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Values>,
    /// For a poll (iprobe, improbe, test, testall) in a loop of them: how
    /// many polls the loop has made, this one included (the polls between
    /// two recorded ones are counted, not recorded). 0 for a lone poll and
    /// any other call.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub polls: u64,
    /// For a collective whose size this rank learnt only as it ran (a
    /// pickled object's: the chunk a scatter gave it, the object a bcast
    /// gave it, the result an allreduce's rank 0 passed on): that size, in
    /// bytes, in place of its `Begin`'s. 0 for any other call.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bytes: u64,
}

impl CallEnd {
    /// The end of call `id` of `op` that says no more than that it ended.
    pub fn bare(id: u64, op: Op) -> CallEnd {
        CallEnd {
            id,
            op,
            received: Vec::new(),
            completed: None,
            done: Vec::new(),
            name: None,
            values: None,
            polls: 0,
            bytes: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldBlock {
    pub name: String,
    pub iteration: u64,
    pub grid_rows: u32,
    pub grid_cols: u32,
    pub row0: u32,
    pub col0: u32,
    pub rows: u32,
    pub cols: u32,
    /// JSON has no NaN or infinity: serde_json writes them as `null`, and
    /// they read back as NaN, so a field that diverged still travels to
    /// rank 0 and replays (the heat map leaves such cells blank).
    #[serde(deserialize_with = "values_or_nan")]
    pub values: Vec<f32>,
}

impl FieldBlock {
    /// Whether the block lies inside its grid and holds a value for each
    /// of its cells: what a rank sends always does, a damaged recording
    /// may not, and the heat map indexes the grid by it.
    pub fn fits(&self) -> bool {
        let within = |start: u32, length: u32, grid: u32| {
            u64::from(start) + u64::from(length) <= u64::from(grid)
        };
        let cells = u64::from(self.rows) * u64::from(self.cols);
        within(self.row0, self.rows, self.grid_rows)
            && within(self.col0, self.cols, self.grid_cols)
            && cells == self.values.len() as u64
    }
}

fn values_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
    let values: Vec<Option<f32>> = Deserialize::deserialize(d)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f32::NAN)).collect())
}

/// How a run ended, as recorded in its last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    CheckFailed,
    Deadlock,
    RankFailed,
    Quit,
    Interrupted,
}

impl Outcome {
    /// The exit code of the whole job for this outcome.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Completed | Outcome::Quit => 0,
            Outcome::CheckFailed | Outcome::RankFailed => 1,
            Outcome::Deadlock => 3,
            Outcome::Interrupted => 130,
        }
    }
}
