//! The program's open requests (from isend and irecv) and the calls that
//! complete them: wait, waitall, test.

use std::collections::HashMap;
use std::os::raw::c_int;
use std::sync::{Arc, Mutex};

use mpi::ffi;
use mpi_tutor::probe::{Arrival, CallSpec, EndSpec};
use mpi_tutor::trace::Op;

use crate::comms::CommInfo;
use crate::p2p::{arrival, give_status};
use crate::probe::{poll, still_polling};
use crate::{begin, caller, recording, site, step, SUCCESS};

/// An open request: the call that started it, and for a receive its
/// communicator (to name the sender by world rank).
struct Open {
    call: u64,
    receive: Option<Arc<CommInfo>>,
}

static OPEN: Mutex<Option<HashMap<u64, Open>>> = Mutex::new(None);

/// Request `request` was started by call `call`.
pub fn opened(request: ffi::MPI_Request, call: u64, receive: Option<Arc<CommInfo>>) {
    let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
    open.get_or_insert_with(HashMap::new)
        .insert(crate::handle_key(request), Open { call, receive });
}

/// The call that started `request`, if it is one recorded.
pub(crate) fn started_by(request: ffi::MPI_Request) -> Option<u64> {
    let open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
    open.as_ref()?
        .get(&(crate::handle_key(request)))
        .map(|o| o.call)
}

/// `request` completed with `status`: forgets it, and says what arrived.
pub(crate) fn closed(request: ffi::MPI_Request, status: &ffi::MPI_Status) -> Option<Arrival> {
    let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
    let done = open.as_mut()?.remove(&(crate::handle_key(request)))?;
    let comm = done.receive?;
    arrival(&comm, done.call, status)
}

/// A zeroed status.
pub(crate) fn empty_status() -> ffi::MPI_Status {
    // SAFETY: a status is plain data.
    unsafe { std::mem::zeroed() }
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
    let ids: Vec<u64> = started_by(handle).into_iter().collect();
    let id = begin(|| Some(CallSpec::new(Op::Wait, site(at)).completing(&ids)));
    step(|r| id.map(|id| r.posted(id)));
    let mut got = empty_status();
    // SAFETY: the program's request; `got` is a status.
    let code = unsafe { crate::complete(&mut *request, &mut got) };
    let arrived: Vec<Arrival> = closed(handle, &got).into_iter().collect();
    if let Some(id) = id {
        crate::end(id, Op::Wait, &arrived, None);
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
    let at = caller();
    if !recording() || count <= 0 {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Waitall(count, requests, statuses) };
    }
    // SAFETY: the program passes `count` requests.
    let handles: Vec<ffi::MPI_Request> =
        unsafe { std::slice::from_raw_parts(requests, count as usize) }.to_vec();
    let ids: Vec<u64> = handles.iter().filter_map(|&h| started_by(h)).collect();
    let id = begin(|| Some(CallSpec::new(Op::Waitall, site(at)).completing(&ids)));
    step(|r| id.map(|id| r.posted(id)));
    let mut got = vec![empty_status(); handles.len()];
    // SAFETY: `count` requests and as many statuses.
    let code = unsafe { wait_all_politely(count, requests, got.as_mut_ptr()) };
    let arrived: Vec<Arrival> = handles
        .iter()
        .zip(&got)
        .filter_map(|(&h, s)| closed(h, s))
        .collect();
    if let Some(id) = id {
        crate::end(id, Op::Waitall, &arrived, None);
    }
    // SAFETY: the program's statuses: MPI_STATUSES_IGNORE or `count` of them.
    unsafe { give_statuses(statuses, &got) };
    code
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
    for _ in 0..crate::SPINS {
        let mut done = 0;
        // SAFETY: as the caller guarantees.
        let code = unsafe { ffi::PMPI_Testall(count, requests, &mut done, statuses) };
        if code != SUCCESS || done != 0 {
            return code;
        }
    }
    step(|r| r.about_to_wait());
    // SAFETY: as the caller guarantees.
    unsafe { ffi::PMPI_Waitall(count, requests, statuses) }
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
    let handles: Vec<ffi::MPI_Request> =
        unsafe { std::slice::from_raw_parts(requests, count as usize) }.to_vec();
    let mut got = vec![empty_status(); handles.len()];
    // SAFETY: the program's requests and flag; `got` holds `count` statuses.
    let code = unsafe { ffi::PMPI_Testall(count, requests, flag, got.as_mut_ptr()) };
    // SAFETY: MPI just wrote the flag.
    let done = unsafe { *flag } != 0;
    // A failed test is recorded as it is, never counted away.
    let polls = if code == SUCCESS { poll(done) } else { Some(1) };
    let Some(polls) = polls else {
        return code;
    };
    let ids: Vec<u64> = handles.iter().filter_map(|&h| started_by(h)).collect();
    let id = begin(|| Some(CallSpec::new(Op::Testall, site(at)).completing(&ids)));
    step(|r| id.map(|id| r.posted(id)));
    let arrived: Vec<Arrival> = if done {
        handles
            .iter()
            .zip(&got)
            .filter_map(|(&h, s)| closed(h, s))
            .collect()
    } else {
        Vec::new()
    };
    if let Some(id) = id {
        crate::end_as(id, Op::Testall, &arrived, EndSpec::test(done, polls));
    }
    if done {
        // SAFETY: the program's statuses: MPI_STATUSES_IGNORE or `count`.
        unsafe { give_statuses(statuses, &got) };
    } else {
        still_polling(polls);
    }
    code
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
    let ids: Vec<u64> = started_by(handle).into_iter().collect();
    let id = begin(|| Some(CallSpec::new(Op::Test, site(at)).completing(&ids)));
    step(|r| id.map(|id| r.posted(id)));
    let arrived: Vec<Arrival> = if done {
        closed(handle, &got).into_iter().collect()
    } else {
        Vec::new()
    };
    if let Some(id) = id {
        crate::end_as(id, Op::Test, &arrived, EndSpec::test(done, polls));
    }
    if done {
        // SAFETY: the program's status argument.
        unsafe { give_status(status, &got) };
    } else {
        still_polling(polls);
    }
    code
}
