//! The program's open requests (from isend and irecv) and the calls that
//! complete them: wait, waitall, test.

use std::cell::Cell;
use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::{this_thread, Arrival, CallSpec, EndSpec, Recorder, ThisThread};
use mpi_tutor::trace::Op;
use rustc_hash::FxHashMap;

use crate::comms::Info;
use crate::p2p::{arrival, give_status};
use crate::probe::{poll, still_polling};
use crate::{
    begin_ended_as, begin_posted, caller, recording, site, site_on, step, step_on, SUCCESS,
};

/// An open request: the call that started it, and for a receive its
/// communicator (to name the sender by world rank).
struct Open {
    call: u64,
    receive: Option<Info>,
}

/// Open requests by handle. A handle may stand for several at once:
/// MPICH gives every request that completed as it started (a send to
/// `MPI_PROC_NULL`, a small send that went out at once) the same one, so
/// each handle keeps its requests in the order they were started. A
/// handle's list stays when it empties: MPI hands out the same few
/// handles over and over, and the next request on it needs no allocation.
///
/// It is kept with the process's recorder ([`Recorder::attached`]), so
/// the hot calls (isend, irecv, the end of a waitall) read and write it
/// in the turn of the recorder they take anyway: no lock of its own.
#[derive(Default)]
pub(crate) struct Table(FxHashMap<u64, Vec<Open>>);

/// Handles whose emptied lists stay; past that many, an emptied list goes.
const KEPT_HANDLES: usize = 1024;

/// The table of open requests kept with `recorder`.
pub(crate) fn table(recorder: &mut Recorder) -> &mut Table {
    recorder.attached::<Table>()
}

/// Request `request` was started by call `call`.
pub fn opened(request: ffi::MPI_Request, call: u64, receive: Option<Info>) {
    step(|r| table(r).open(request, call, receive));
}

/// The call that started `request` (the first still open of those that
/// share its handle), if it is one recorded.
pub(crate) fn started_by(request: ffi::MPI_Request) -> Option<u64> {
    step(|r| table(r).started_by(request)).flatten()
}

/// The calls that started `requests`, each recorded one once, into
/// `ids`: a handle that appears twice stands for the first and the
/// second request open on it, as [`closed_each`] takes them in turn.
pub(crate) fn started_by_each(requests: &[ffi::MPI_Request], ids: &mut Vec<u64>) {
    ids.clear();
    step(|r| table(r).started_by_each(requests, ids));
}

/// `request` completed with `status`: forgets it (the first open on its
/// handle), and says what arrived.
pub(crate) fn closed(request: ffi::MPI_Request, status: &ffi::MPI_Status) -> Option<Arrival> {
    step(|r| table(r).close(request, status)).flatten()
}

/// [`closed`] for each of `requests`, completed with `statuses` (in one
/// turn): what arrived goes into `arrived`.
pub(crate) fn closed_each(
    requests: &[ffi::MPI_Request],
    statuses: &[ffi::MPI_Status],
    arrived: &mut Vec<Arrival>,
) {
    arrived.clear();
    step(|r| table(r).close_each(requests, statuses, arrived));
}

/// Begins call `op`, made at `at` on the program's `requests`, which
/// starts no operation (its `Begin` goes out at once); the calls that
/// started them go into `ids`, looked up in a C program in the same turn
/// of the recorder. The call's id, if recorded.
pub(crate) fn begin_completing(
    thread: &ThisThread,
    op: Op,
    at: usize,
    requests: &[ffi::MPI_Request],
    ids: &mut Vec<u64>,
) -> Option<u64> {
    if mpi_tutor::watch::python::is_python() {
        started_by_each(requests, ids);
        return begin_posted(|| Some(CallSpec::new(op, site(at)).completing(ids)));
    }
    crate::before_call(thread);
    ids.clear();
    step_on(thread, |r| {
        table(r).started_by_each(requests, ids);
        r.begin_completing(op, site_on(thread, at), ids)
    })
}

/// [`closed_each`], then the end of call `id` of `op` (if recorded) with
/// what arrived: in a C program both in one turn of the recorder.
fn closed_and_ended(
    thread: &ThisThread,
    (id, op): (Option<u64>, Op),
    requests: &[ffi::MPI_Request],
    statuses: &[ffi::MPI_Status],
    arrived: &mut Vec<Arrival>,
) {
    match id {
        Some(id) if !mpi_tutor::watch::python::is_python() => {
            arrived.clear();
            step_on(thread, |r| {
                table(r).close_each(requests, statuses, arrived);
                r.end(id, op, arrived, None);
            });
        }
        _ => {
            closed_each(requests, statuses, arrived);
            if let Some(id) = id {
                crate::end(id, op, arrived, None);
            }
        }
    }
}

impl Table {
    /// Request `request` was started by call `call`.
    pub(crate) fn open(&mut self, request: ffi::MPI_Request, call: u64, receive: Option<Info>) {
        self.0
            .entry(crate::handle_key(request))
            .or_default()
            .push(Open { call, receive });
    }

    fn started_by(&self, request: ffi::MPI_Request) -> Option<u64> {
        let shared = self.0.get(&crate::handle_key(request))?;
        shared.first().map(|o| o.call)
    }

    fn started_by_each(&self, requests: &[ffi::MPI_Request], ids: &mut Vec<u64>) {
        for (i, &request) in requests.iter().enumerate() {
            let key = crate::handle_key(request);
            let Some(shared) = self.0.get(&key) else {
                continue;
            };
            let turn = requests[..i]
                .iter()
                .filter(|&&earlier| crate::handle_key(earlier) == key)
                .count();
            ids.extend(shared.get(turn).map(|o| o.call));
        }
    }

    /// What arrived for each of `requests`, completed with `statuses`,
    /// goes into `arrived` (cleared first), and they are forgotten.
    pub(crate) fn close_each(
        &mut self,
        requests: &[ffi::MPI_Request],
        statuses: &[ffi::MPI_Status],
        arrived: &mut Vec<Arrival>,
    ) {
        arrived.clear();
        for (&request, status) in requests.iter().zip(statuses) {
            arrived.extend(self.close(request, status));
        }
    }

    fn close(&mut self, request: ffi::MPI_Request, status: &ffi::MPI_Status) -> Option<Arrival> {
        let key = crate::handle_key(request);
        let shared = self.0.get_mut(&key)?;
        let done = (!shared.is_empty()).then(|| shared.remove(0))?;
        if shared.is_empty() && self.0.len() > KEPT_HANDLES {
            // A program that once had very many requests open at a time
            // does not keep a list for each for good.
            self.0.remove(&key);
        }
        let comm = done.receive?;
        arrival(&comm, done.call, status)
    }
}

/// A zeroed status.
pub(crate) fn empty_status() -> ffi::MPI_Status {
    // SAFETY: a status is plain data.
    unsafe { std::mem::zeroed() }
}

/// What a call on many requests works with, kept from one call to the
/// next on its thread: a waitall at full speed costs no allocation.
#[derive(Default)]
struct Scratch {
    /// The program's requests as they were before the call.
    handles: Vec<ffi::MPI_Request>,
    statuses: Vec<ffi::MPI_Status>,
    /// The calls that started them.
    ids: Vec<u64>,
    arrived: Vec<Arrival>,
}

thread_local! {
    static SCRATCH: Cell<Scratch> = Cell::default();
}

/// Runs `work` with this thread's scratch, filled with the program's
/// `count` requests and as many empty statuses (a fresh one when a call
/// made inside `work` has it, or the thread is ending).
///
/// # Safety
/// `requests` points to `count` (at least 1) requests.
unsafe fn with_scratch<R>(
    count: c_int,
    requests: *const ffi::MPI_Request,
    work: impl FnOnce(&mut Scratch) -> R,
) -> R {
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let count = count as usize;
    scratch.handles.clear();
    // SAFETY: as the caller guarantees.
    scratch
        .handles
        .extend_from_slice(unsafe { std::slice::from_raw_parts(requests, count) });
    scratch.statuses.clear();
    scratch.statuses.resize(count, empty_status());
    let result = work(&mut scratch);
    let _ = SCRATCH.try_with(|cell| cell.set(scratch));
    result
}

pub unsafe extern "C" fn wait(
    request: *mut ffi::MPI_Request,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Wait(request, status) };
    }
    // SAFETY: the program's request.
    let handle = unsafe { *request };
    let ids = started_by(handle);
    let id = begin_posted(|| Some(CallSpec::new(Op::Wait, site(at)).completing(ids.as_slice())));
    let mut got = empty_status();
    // SAFETY: the program's request; `got` is a status.
    let code = unsafe { crate::complete(&mut *request, &mut got) };
    match id {
        // A C program's: in one turn of the recorder.
        Some(id) if !mpi_tutor::watch::python::is_python() => {
            step(|r| {
                let arrived = table(r).close(handle, &got);
                r.end(id, Op::Wait, arrived.as_slice(), None);
            });
        }
        _ => {
            let arrived = closed(handle, &got);
            if let Some(id) = id {
                crate::end(id, Op::Wait, arrived.as_slice(), None);
            }
        }
    }
    // SAFETY: the program's status argument.
    unsafe { give_status(status, &got) };
    code
}

pub unsafe extern "C" fn waitall(
    count: c_int,
    requests: *mut ffi::MPI_Request,
    statuses: *mut ffi::MPI_Status,
) -> c_int {
    this_thread(|thread| {
        let at = thread.caller.get();
        if thread.on_tutor_thread() || count <= 0 {
            // SAFETY: the program's arguments, passed on as given.
            return unsafe { ffi::PMPI_Waitall(count, requests, statuses) };
        }
        // SAFETY: the program passes `count` requests.
        unsafe {
            with_scratch(count, requests, |s| {
                let id = begin_completing(thread, Op::Waitall, at, &s.handles, &mut s.ids);
                // SAFETY: `count` requests and as many statuses.
                let code = wait_all_politely(count, requests, s.statuses.as_mut_ptr());
                let ended = (id, Op::Waitall);
                closed_and_ended(thread, ended, &s.handles, &s.statuses, &mut s.arrived);
                // SAFETY: the program's statuses: MPI_STATUSES_IGNORE or `count` of them.
                give_statuses(statuses, &s.statuses);
                code
            })
        }
    })
}

/// `MPI_Waitall`, telling the recorder first if it has to wait for long.
///
/// # Safety
/// As `MPI_Waitall`.
unsafe fn wait_all_politely(
    count: c_int,
    requests: *mut ffi::MPI_Request,
    statuses: *mut ffi::MPI_Status,
) -> c_int {
    let test = || {
        let mut done = 0;
        // SAFETY: as the caller guarantees.
        let code = unsafe { ffi::PMPI_Testall(count, requests, &mut done, statuses) };
        (code, done != 0)
    };
    // SAFETY: as the caller guarantees.
    crate::politely(test, || unsafe {
        ffi::PMPI_Waitall(count, requests, statuses)
    })
}

pub unsafe extern "C" fn testall(
    count: c_int,
    requests: *mut ffi::MPI_Request,
    flag: *mut c_int,
    statuses: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() || count <= 0 {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Testall(count, requests, flag, statuses) };
    }
    // SAFETY: the program passes `count` requests.
    unsafe {
        with_scratch(count, requests, |s| {
            // SAFETY: the program's requests and flag; `count` statuses.
            let code = ffi::PMPI_Testall(count, requests, flag, s.statuses.as_mut_ptr());
            // SAFETY: MPI just wrote the flag.
            let done = *flag != 0;
            // A failed test is recorded as it is, never counted away.
            let polls = if code == SUCCESS { poll(done) } else { Some(1) };
            let Some(polls) = polls else {
                return code;
            };
            started_by_each(&s.handles, &mut s.ids);
            s.arrived.clear();
            if done {
                closed_each(&s.handles, &s.statuses, &mut s.arrived);
            }
            begin_ended_as(Op::Testall, &s.arrived, EndSpec::test(done, polls), || {
                Some(CallSpec::new(Op::Testall, site(at)).completing(&s.ids))
            });
            if done {
                // SAFETY: the program's statuses: MPI_STATUSES_IGNORE or `count`.
                give_statuses(statuses, &s.statuses);
            } else {
                still_polling(polls);
            }
            code
        })
    }
}

/// Copies `got` to where the program wants its statuses, if it does.
///
/// # Safety
/// `to` is `MPI_STATUSES_IGNORE` or points to `got.len()` statuses.
pub(crate) unsafe fn give_statuses(to: *mut ffi::MPI_Status, got: &[ffi::MPI_Status]) {
    // SAFETY: as the caller guarantees.
    unsafe {
        if !to.is_null() && to != ffi::RSMPI_STATUSES_IGNORE {
            std::ptr::copy_nonoverlapping(got.as_ptr(), to, got.len());
        }
    }
}

pub unsafe extern "C" fn test(
    request: *mut ffi::MPI_Request,
    flag: *mut c_int,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Test(request, flag, status) };
    }
    // SAFETY: the program's request.
    let handle = unsafe { *request };
    let mut got = empty_status();
    // SAFETY: the program's request and flag; `got` is a status.
    let code = unsafe { ffi::PMPI_Test(request, flag, &mut got) };
    // SAFETY: MPI just wrote the flag.
    let done = unsafe { *flag } != 0;
    // A failed test is recorded as it is, never counted away.
    let polls = if code == SUCCESS { poll(done) } else { Some(1) };
    let Some(polls) = polls else {
        return code;
    };
    let ids = started_by(handle);
    let arrived = if done { closed(handle, &got) } else { None };
    begin_ended_as(
        Op::Test,
        arrived.as_slice(),
        EndSpec::test(done, polls),
        || Some(CallSpec::new(Op::Test, site(at)).completing(ids.as_slice())),
    );
    if done {
        // SAFETY: the program's status argument.
        unsafe { give_status(status, &got) };
    } else {
        still_polling(polls);
    }
    code
}
