//! One student call, one recorded call: mpi4py's pickle-based methods
//! (`comm.send`, `comm.bcast`, `comm.reduce`...) are several MPI calls
//! each (a size then the pickle, a matched probe then its receive, a tree
//! of messages). The Python frame the site is read from says which method
//! the student's line calls (`watch::python::callee`); its first MPI call
//! opens a fold, recorded once as that method at the student's line, and
//! the method's further MPI calls (as many as mpi4py makes, see
//! `watch::pickled`) go into it until the last one ends it. Where the
//! first call only carries the pickle's size (a root's bcast or scatter,
//! a reduction's first send), the fold waits for the call that carries
//! the pickle to record itself, so it can name the object's type.

use std::cell::{Cell, RefCell};
use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::probe::{this_thread, Arrival, CallSpec, CollectiveSpec, EndSpec};
use mpi_tutor::trace::{Op, Text};
use mpi_tutor::watch::pickled::{first_global, type_of, Method};
use mpi_tutor::watch::python::{self, callee};

use crate::{comms, own, step};

/// The pickled call under way on this thread.
struct Fold {
    /// The recorded call; None while it waits for its pickle (`pending`).
    id: Option<u64>,
    method: Method,
    /// The student's call expression: (code object, instruction).
    key: (usize, c_int),
    /// MPI calls of the method still to end, the running one included.
    left: u32,
    /// What its receives took (point-to-point methods only: the others'
    /// messages are mpi4py's own).
    arrivals: Vec<Arrival>,
    /// The call to record once the pickle is seen, and its size.
    pending: Option<(CallSpec<'static>, u64)>,
    /// Where a futures worker's task is received (read at the end for
    /// the function it runs).
    received_into: usize,
    /// Where a rank that only receives the pickle gets its size in the
    /// method's first call (address, width): read once that call ended.
    size_into: Option<(usize, u64)>,
    /// The pickle's size this rank learnt as the method ran (what it
    /// received, or an allreduce's result it passed on): its end says it.
    learnt: u64,
}

/// The id a pending fold's calls run under before it is recorded: the
/// hook does its work as ever (a collective's nonblocking form must meet
/// the other ranks' alike), and its steps record nothing.
const PASSING: u64 = u64::MAX;

thread_local! {
    static OPEN: RefCell<Option<Fold>> = const { RefCell::new(None) };
    /// The buffer the running hook sends from (or receives a count in).
    static BUFFER: Cell<usize> = const { Cell::new(0) };
    /// The buffer the running hook receives into, where it has its own.
    static RECEIVED: Cell<usize> = const { Cell::new(0) };
}

/// The running hook's send buffer, read if its call opens a fold.
pub fn note_buffer(buffer: *const c_void) {
    // Only Python programs fold their calls.
    if python::is_python() {
        BUFFER.set(buffer as usize);
    }
}

/// The running hook's receive buffer, where it has one apart from
/// [`note_buffer`]'s: a scatter's other ranks take their chunk's size
/// there.
pub fn note_received(buffer: *const c_void) {
    if python::is_python() {
        RECEIVED.set(buffer as usize);
    }
}

/// Whether a pickled call is under way on this thread.
pub fn is_open() -> bool {
    OPEN.with_borrow(Option::is_some)
}

/// Whether the running call, a probe, starts a pickled receive (mpi4py's
/// `recv` with `recv_mprobe` off): it is then described as the receive.
pub fn probe_starts_receive() -> bool {
    !is_open() && callee::latest().is_some_and(|(method, _)| method.starts_with(Op::Probe))
}

/// Begins the call `spec` describes: inside the open fold (its id), as a
/// fold's first call (recorded as the method), or as it is. None: not
/// recorded (the program's call passes straight to MPI), as for
/// mpi4py's own bookkeeping (`own`).
pub fn begin(spec: CallSpec<'_>) -> Option<u64> {
    let latest = callee::latest();
    let inside = OPEN.with_borrow_mut(|open| match open {
        Some(fold) if latest.is_some_and(|(_, key)| key == fold.key) => Some(within(fold, &spec)),
        Some(_) => {
            // A call from elsewhere: the fold's last calls went unseen.
            close(open.take());
            None
        }
        None => None,
    });
    if let Some(id) = inside {
        forget_buffers();
        return id;
    }
    let id = match latest {
        _ if own::is_bookkeeping(spec.op, latest.is_some()) => None,
        Some((method, key)) if method.starts_with(spec.op) => open(method, key, spec),
        _ => step(|r| r.begin(spec)),
    };
    forget_buffers();
    id
}

/// The noted buffers were the running hook's only.
fn forget_buffers() {
    BUFFER.set(0);
    RECEIVED.set(0);
}

/// The id a further call of the open `fold` runs under: the fold's, once
/// recorded; a pending fold records itself at the call that carries the
/// pickle, the calls before it running unrecorded ([`PASSING`]).
fn within(fold: &mut Fold, spec: &CallSpec<'_>) -> Option<u64> {
    if matches!(spec.op, Op::Mrecv | Op::Recv) {
        fold.received_into = BUFFER.get();
    }
    if fold.id.is_some() {
        // An allreduce's rank 0 passes the result on by bcast: its size
        // is what that rank gives the others.
        if fold.method == Method::Allreduce && spec.op == Op::Bcast && fold.learnt == 0 {
            fold.learnt = size_sent(spec, Op::Bcast);
        }
        return fold.id;
    }
    let (mut pending, size) = fold.pending.take()?;
    let carries_size = spec.op == Op::Send && size == 0;
    if spec.op == Op::CommDup || carries_size {
        let size = if carries_size {
            size_sent(spec, Op::Send)
        } else {
            size
        };
        fold.pending = Some((pending, size));
        fold.left = fold.left.saturating_sub(1);
        return Some(PASSING);
    }
    if let Some(collective) = pending.collective.as_mut() {
        let sends = matches!(spec.op, Op::Send | Op::Bcast | Op::Scatterv);
        let kind = sends.then(|| read_pickle(size)).flatten();
        collective.datatype =
            Text::from(format!("pickled {}", kind.as_deref().unwrap_or("object")));
        collective.bytes = size;
    }
    fold.id = step(|r| r.begin(pending));
    fold.id
}

/// Call `id` ended having taken `arrivals`: true when it was a fold's
/// (recorded when the fold's last call ends), false for a call of its own.
pub fn end(id: u64, arrivals: &[Arrival]) -> bool {
    if id == PASSING {
        return true;
    }
    OPEN.with_borrow_mut(|open| {
        let Some(fold) = open.as_mut().filter(|f| f.id == Some(id)) else {
            return false;
        };
        if fold.method.is_point_to_point() {
            fold.arrivals.extend_from_slice(arrivals);
        }
        if let Some((buffer, width)) = fold.size_into.take() {
            // SAFETY: the call that ended wrote the size there.
            fold.learnt = unsafe { read_count(buffer, width) };
        }
        fold.left = fold.left.saturating_sub(1);
        if fold.left == 0 {
            note_task(fold);
            close(open.take());
        }
        true
    })
}

/// A futures worker's task received: the function it runs is noted, so
/// the worker's result is placed at its `def` line.
fn note_task(fold: &Fold) {
    let bytes = fold.arrivals.first().map_or(0, |a| a.bytes) as usize;
    if fold.method != Method::TaskRecv || fold.received_into == 0 || bytes == 0 {
        return;
    }
    // SAFETY: the receive just wrote the task's `bytes` bytes there.
    let pickle = unsafe { std::slice::from_raw_parts(fold.received_into as *const u8, bytes) };
    if let Some((module, name)) = first_global(pickle) {
        python::note_task(module, name);
    }
}

/// Records the end of `fold`, if any (a pending one's beginning first:
/// its pickle went unseen).
fn close(fold: Option<Fold>) {
    let Some(mut fold) = fold else { return };
    if let Some((pending, _)) = fold.pending.take() {
        fold.id = step(|r| r.begin(pending));
    }
    if let Some(id) = fold.id {
        let spec = EndSpec {
            bytes: fold.learnt,
            ..EndSpec::default()
        };
        step(|r| r.end_as(id, fold.method.op(), &fold.arrivals, spec));
    }
}

/// Opens the fold of `method`, whose first MPI call `spec` describes.
fn open(method: Method, key: (usize, c_int), spec: CallSpec<'_>) -> Option<u64> {
    let first = spec.op;
    let (rank, size, root) = place(method, &spec);
    let mut left = method.calls(first, rank, size, root);
    if first == Op::CommDup {
        left += 1;
    }
    let waits_for_pickle = waits_for_pickle(method, first, rank == root);
    let size_first = size_sent(&spec, first);
    let size_into = size_arrives(method, &spec, rank == root);
    let folded = as_method(method, spec, root);
    let (id, pending) = if waits_for_pickle {
        left = left.saturating_sub(1);
        let folded: CallSpec<'static> = CallSpec {
            requests: &[],
            ..folded
        };
        (None, Some((folded, size_first)))
    } else {
        (Some(step(|r| r.begin(folded))?), None)
    };
    OPEN.set(Some(Fold {
        id,
        method,
        key,
        left,
        arrivals: Vec::new(),
        pending,
        received_into: 0,
        size_into,
        learnt: 0,
    }));
    Some(id.unwrap_or(PASSING))
}

/// Whether a fold whose first call is `first` waits for a later call to
/// show the object's type: the root's size before its bcast's or
/// scatter's pickle, a reduction's copy of the communicator or a count
/// sent before the pickle.
fn waits_for_pickle(method: Method, first: Op, is_root: bool) -> bool {
    match method {
        Method::Bcast => first == Op::Bcast && is_root,
        Method::Scatter => first == Op::Scatter && is_root,
        Method::Reduce | Method::Allreduce => matches!(first, Op::CommDup | Op::Send),
        _ => false,
    }
}

/// Where this rank, which only receives the pickle, gets its size in the
/// method's first call, a count of one (address, width): a bcast's or a
/// scatter's other ranks. None for the ranks that send theirs.
fn size_arrives(method: Method, spec: &CallSpec<'_>, is_root: bool) -> Option<(usize, u64)> {
    let buffer = match method {
        Method::Bcast if !is_root => BUFFER.get(),
        Method::Scatter if !is_root => RECEIVED.get(),
        _ => return None,
    };
    let width = spec.collective.as_ref().filter(|c| c.count == 1)?.bytes;
    (buffer != 0).then_some((buffer, width))
}

/// This rank's place in the call's communicator: rank, size, and the
/// root's rank there (0 when the call names none; a reduction's, which
/// its MPI calls do not show, as the student's line gives it).
fn place(method: Method, spec: &CallSpec<'_>) -> (u32, u32, u32) {
    let me = step(|r| r.rank()).unwrap_or(0);
    let Some(info) = comms::by_number(spec.comm) else {
        return (0, 1, 0);
    };
    let index = |world: u32| info.world_ranks.iter().position(|&w| w == world);
    let rank = index(me).unwrap_or(0) as u32;
    let root = match method {
        Method::Reduce => callee::arguments()[0]
            .and_then(|r| u32::try_from(r).ok())
            .filter(|&r| r < info.size())
            .unwrap_or(0),
        _ => spec
            .collective
            .as_ref()
            .and_then(|c| c.root)
            .and_then(index)
            .unwrap_or(0) as u32,
    };
    (rank, info.size(), root)
}

/// The first MPI call's description turned into the method's own: its op,
/// and what it moves as a pickle (the object's type where the first call
/// shows the pickle, its size where it shows the size). `root`: the
/// root's rank in the call's communicator.
fn as_method(method: Method, mut spec: CallSpec<'_>, root: u32) -> CallSpec<'_> {
    let first = spec.op;
    spec.op = method.op();
    // The bytes are a pickle's, not values a student would recognise.
    spec.values = None;
    if method.is_point_to_point() {
        return as_message(method, spec);
    }
    let bytes = match first {
        Op::Alltoall => share_sent(&spec),
        _ => size_sent(&spec, first),
    };
    let info = comms::by_number(spec.comm);
    let members = info.as_ref().map_or(1, |i| i.size());
    let root = match method {
        Method::Bcast | Method::Scatter | Method::Gather => {
            spec.collective.as_ref().and_then(|c| c.root)
        }
        Method::Reduce => info.and_then(|i| i.world(root as c_int)),
        _ => None,
    };
    spec.comm = comms::students_number(spec.comm);
    spec.send = None;
    spec.recv = None;
    spec.collective(CollectiveSpec {
        root,
        count: 1,
        datatype: Text::from("pickled object"),
        bytes,
        members,
    })
}

/// A point-to-point method's first call as the message the student sends
/// or receives: the object's type read from the pickle sent (the pool's:
/// a task or a result), any size of it received.
fn as_message(method: Method, mut spec: CallSpec<'_>) -> CallSpec<'_> {
    let label = method.label();
    if let Some(send) = spec.send.as_mut() {
        let kind = label
            .map(String::from)
            .or_else(|| read_pickle(send.bytes))
            .unwrap_or_else(|| "object".into());
        send.count = 1;
        send.datatype = Text::from(format!("pickled {kind}"));
    }
    if method == Method::Sendrecv {
        spec.recv = sendrecv_receives(spec.comm);
    }
    if let Some(recv) = spec.recv.as_mut() {
        recv.count = 0;
        recv.datatype = Text::from(format!("pickled {}", label.unwrap_or("object")));
    }
    spec
}

/// What a pickled sendrecv on communicator `comm` receives: the source
/// and tag the student's line gives (any, by default).
fn sendrecv_receives(comm: u32) -> Option<mpi_tutor::probe::RecvSpec> {
    let info = comms::by_number(comm)?;
    let [source, tag] = callee::arguments();
    // SAFETY: reading MPI's constants.
    let (any_source, any_tag, bytes) = unsafe {
        (
            ffi::RSMPI_ANY_SOURCE,
            ffi::RSMPI_ANY_TAG,
            ffi::RSMPI_UINT8_T,
        )
    };
    let source = source.unwrap_or(any_source);
    let tag = tag.unwrap_or(any_tag);
    this_thread(|thread| crate::p2p::recv_spec(thread, &info, source, tag, 0, bytes))
}

/// The pickle's size this rank sends, when its call `op` carries it: a
/// count of one 4- or 8-byte integer sent from the noted buffer (the
/// root's size in a bcast or its first part's in a scatter, each rank's
/// in a gather or a reduction's send).
fn size_sent(spec: &CallSpec<'_>, op: Op) -> u64 {
    let me = step(|r| r.rank()).unwrap_or(0);
    let sends = match op {
        Op::Bcast | Op::Scatter => spec.collective.as_ref().is_some_and(|c| c.root == Some(me)),
        Op::Gather | Op::Allgather => true,
        Op::Send => true,
        _ => false,
    };
    let width = spec
        .collective
        .as_ref()
        .filter(|c| c.count == 1)
        .map(|c| c.bytes)
        .or_else(|| spec.send.as_ref().filter(|s| s.count == 1).map(|s| s.bytes));
    let buffer = BUFFER.get();
    if !sends || buffer == 0 {
        return 0;
    }
    // SAFETY: the program's send buffer holds at least the one value it
    // sends to each rank.
    unsafe { read_count(buffer, width.unwrap_or(0)) }
}

/// What a pickled alltoall's rank sends each other rank: the mean of the
/// pickles' sizes its first call sends them (one count for each rank of
/// the communicator, its own among them). The trace has one size for a
/// rank's part, so chunks of different sizes show as their mean.
fn share_sent(spec: &CallSpec<'_>) -> u64 {
    let me = step(|r| r.rank()).unwrap_or(0);
    let buffer = BUFFER.get();
    let (Some(info), Some(part)) = (comms::by_number(spec.comm), spec.collective.as_ref()) else {
        return 0;
    };
    if buffer == 0 || part.count != 1 || info.size() < 2 {
        return 0;
    }
    let ranks = info.world_ranks.iter().enumerate();
    let to_others = ranks.filter(|(_, &world)| world != me).map(|(index, _)| {
        // SAFETY: the send buffer holds one count for each rank.
        unsafe { read_count(buffer + index * part.bytes as usize, part.bytes) }
    });
    to_others.sum::<u64>() / u64::from(info.size() - 1)
}

/// The count, a 4- or 8-byte integer (`width`), at `buffer`; 0 for
/// another width.
///
/// # Safety
/// `buffer` holds `width` bytes.
unsafe fn read_count(buffer: usize, width: u64) -> u64 {
    // SAFETY: as the caller guarantees.
    unsafe {
        match width {
            4 => (buffer as *const i32).read_unaligned().max(0) as u64,
            8 => (buffer as *const i64).read_unaligned().max(0) as u64,
            _ => 0,
        }
    }
}

/// The type of the pickle of `bytes` bytes in the noted send buffer.
fn read_pickle(bytes: u64) -> Option<String> {
    let buffer = BUFFER.get();
    if buffer == 0 || bytes == 0 {
        return None;
    }
    // SAFETY: the program sends at least `bytes` bytes from its buffer.
    let pickle = unsafe { std::slice::from_raw_parts(buffer as *const u8, bytes as usize) };
    type_of(pickle)
}
