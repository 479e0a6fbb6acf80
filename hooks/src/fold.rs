//! One student call, one recorded call: mpi4py's pickle-based methods
//! (`comm.send`, `comm.bcast`, `comm.reduce`...) are several MPI calls
//! each (a size then the pickle, a matched probe then its receive, a tree
//! of messages). The Python frame the site is read from says which method
//! the student's line calls (`watch::python::callee`); its first MPI call
//! opens a fold, recorded once as that method at the student's line, and
//! the method's further MPI calls (as many as mpi4py makes, see
//! `watch::pickled`) go into it until the last one ends it.

use std::cell::{Cell, RefCell};
use std::os::raw::{c_int, c_void};

use mpi_tutor::probe::{Arrival, CallSpec, CollectiveSpec};
use mpi_tutor::trace::{Op, Text};
use mpi_tutor::watch::pickled::{type_of, Method};
use mpi_tutor::watch::python::callee;

use crate::{comms, step};

/// The pickled call under way on this thread.
struct Fold {
    id: u64,
    method: Method,
    /// The student's call expression: (code object, instruction).
    key: (usize, c_int),
    /// MPI calls of the method still to end, the running one included.
    left: u32,
    /// What its receives took (point-to-point methods only: the others'
    /// messages are mpi4py's own).
    arrivals: Vec<Arrival>,
}

thread_local! {
    static OPEN: RefCell<Option<Fold>> = const { RefCell::new(None) };
    /// The buffer the running hook sends from (or receives a count in).
    static BUFFER: Cell<usize> = const { Cell::new(0) };
}

/// The running hook's send buffer, read if its call opens a fold.
pub fn note_buffer(buffer: *const c_void) {
    BUFFER.set(buffer as usize);
}

/// Whether a pickled call is under way on this thread.
pub fn is_open() -> bool {
    OPEN.with_borrow(Option::is_some)
}

/// Begins the call `spec` describes: inside the open fold (its id), as a
/// fold's first call (recorded as the method), or as it is.
pub fn begin(spec: CallSpec<'_>) -> Option<u64> {
    let latest = callee::latest();
    let inside = OPEN.with_borrow_mut(|open| match open {
        Some(fold) if latest.is_some_and(|(_, key)| key == fold.key) => Some(fold.id),
        Some(_) => {
            // A call from elsewhere: the fold's last calls went unseen.
            close(open.take());
            None
        }
        None => None,
    });
    if inside.is_some() {
        return inside;
    }
    let id = match latest {
        Some((method, key)) if method.starts_with(spec.op) => open(method, key, spec),
        _ => step(|r| r.begin(spec)),
    };
    BUFFER.set(0);
    id
}

/// Call `id` ended having taken `arrivals`: true when it was a fold's
/// (recorded when the fold's last call ends), false for a call of its own.
pub fn end(id: u64, arrivals: &[Arrival]) -> bool {
    OPEN.with_borrow_mut(|open| {
        let Some(fold) = open.as_mut().filter(|f| f.id == id) else {
            return false;
        };
        if fold.method.is_point_to_point() {
            fold.arrivals.extend_from_slice(arrivals);
        }
        fold.left = fold.left.saturating_sub(1);
        if fold.left == 0 {
            close(open.take());
        }
        true
    })
}

/// Records the end of `fold`, if any.
fn close(fold: Option<Fold>) {
    if let Some(fold) = fold {
        step(|r| r.end(fold.id, fold.method.op(), &fold.arrivals, None));
    }
}

/// Opens the fold of `method`, whose first MPI call `spec` describes.
fn open(method: Method, key: (usize, c_int), spec: CallSpec<'_>) -> Option<u64> {
    let first = spec.op;
    let (rank, size, root) = place(&spec);
    let mut left = method.calls(first, rank, size, root);
    if first == Op::CommDup {
        left += 1;
    }
    let folded = as_method(method, spec);
    let id = step(|r| r.begin(folded))?;
    OPEN.set(Some(Fold {
        id,
        method,
        key,
        left,
        arrivals: Vec::new(),
    }));
    Some(id)
}

/// This rank's place in the call's communicator: rank, size, and the
/// root's rank there (0 when the call names none).
fn place(spec: &CallSpec<'_>) -> (u32, u32, u32) {
    let me = step(|r| r.rank()).unwrap_or(0);
    let Some(info) = comms::by_number(spec.comm) else {
        return (0, 1, 0);
    };
    let index = |world: u32| info.world_ranks.iter().position(|&w| w == world);
    let rank = index(me).unwrap_or(0) as u32;
    let root = spec
        .collective
        .as_ref()
        .and_then(|c| c.root)
        .and_then(index)
        .unwrap_or(0) as u32;
    (rank, info.size(), root)
}

/// The first MPI call's description turned into the method's own: its op,
/// and what it moves as a pickle (the object's type where the first call
/// shows the pickle, its size where it shows the size).
fn as_method(method: Method, mut spec: CallSpec<'_>) -> CallSpec<'_> {
    let first = spec.op;
    spec.op = method.op();
    if method.is_point_to_point() {
        if let Some(send) = spec.send.as_mut() {
            let kind = read_pickle(send.bytes).unwrap_or_else(|| "object".into());
            send.count = 1;
            send.datatype = Text::from(format!("pickled {kind}"));
        }
        if let Some(recv) = spec.recv.as_mut() {
            recv.count = 0;
            recv.datatype = Text::from("pickled object");
        }
        return spec;
    }
    let bytes = size_sent(&spec, first);
    let members = comms::by_number(spec.comm).map_or(1, |i| i.size());
    let root = match method {
        Method::Bcast | Method::Scatter | Method::Gather => {
            spec.collective.as_ref().and_then(|c| c.root)
        }
        Method::Reduce => comms::by_number(spec.comm).and_then(|i| i.world(0)),
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

/// The pickle's size this rank sends, when its first call carries it: a
/// count of one 4- or 8-byte integer sent from the noted buffer (the
/// root's size in a bcast, each rank's in a gather or a reduction's send).
fn size_sent(spec: &CallSpec<'_>, first: Op) -> u64 {
    let me = step(|r| r.rank()).unwrap_or(0);
    let sends = match first {
        Op::Bcast => spec.collective.as_ref().is_some_and(|c| c.root == Some(me)),
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
    // SAFETY: the program's send buffer holds the one value it sends.
    unsafe {
        match width {
            Some(4) => (buffer as *const i32).read_unaligned().max(0) as u64,
            Some(8) => (buffer as *const i64).read_unaligned().max(0) as u64,
            _ => 0,
        }
    }
}

/// The type of the pickle of `bytes` bytes in the noted send buffer.
fn read_pickle(bytes: u64) -> Option<String> {
    let buffer = BUFFER.get();
    if buffer == 0 {
        return None;
    }
    // SAFETY: the program sends `bytes` bytes from its buffer.
    let pickle = unsafe { std::slice::from_raw_parts(buffer as *const u8, bytes as usize) };
    type_of(pickle)
}
