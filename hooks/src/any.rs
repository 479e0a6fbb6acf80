//! The waits and tests that complete some of their requests: waitany,
//! testany (one), waitsome, testsome (those that are done). Each records
//! which requests completed (by the calls that started them) and what
//! arrived.

use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::{Arrival, EndSpec};
use mpi_tutor::trace::Op;

use crate::p2p::give_status;
use crate::probe::{poll, still_polling};
use crate::requests::{closed, empty_status, give_statuses, started_by};
use crate::{caller, politely, recording, SUCCESS};

/// The program's `count` requests, as they were before the call.
///
/// # Safety
/// `requests` points to `count` requests.
unsafe fn handles(count: c_int, requests: *const ffi::MPI_Request) -> Vec<ffi::MPI_Request> {
    // SAFETY: as the caller guarantees.
    unsafe { std::slice::from_raw_parts(requests, count as usize) }.to_vec()
}

/// Begins recording `op` on `handles`: the id of the call, if recorded.
fn begin_on(op: Op, at: usize, handles: &[ffi::MPI_Request]) -> Option<u64> {
    let ids = &mut Vec::new();
    mpi_tutor::probe::this_thread(|thread| {
        crate::requests::begin_completing(thread, op, at, handles, ids)
    })
}

/// Requests `indices` of `handles` completed with `statuses`: records the
/// end of call `id` as `spec` says, with what they started and what
/// arrived.
fn ended(
    id: Option<u64>,
    op: Op,
    handles: &[ffi::MPI_Request],
    indices: &[c_int],
    statuses: &[ffi::MPI_Status],
    spec: EndSpec<'_>,
) {
    let mut done = Vec::new();
    let mut arrived: Vec<Arrival> = Vec::new();
    for (&index, status) in indices.iter().zip(statuses) {
        let Some(&handle) = usize::try_from(index).ok().and_then(|i| handles.get(i)) else {
            continue;
        };
        done.extend(started_by(handle));
        arrived.extend(closed(handle, status));
    }
    if let Some(id) = id {
        crate::end_as(id, op, &arrived, spec.completing(&done));
    }
}

pub unsafe extern "C" fn waitany(
    count: c_int,
    requests: *mut ffi::MPI_Request,
    index: *mut c_int,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() || count <= 0 {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Waitany(count, requests, index, status) };
    }
    // SAFETY: the program passes `count` requests.
    let handles = unsafe { handles(count, requests) };
    let id = begin_on(Op::Waitany, at, &handles);
    let mut got = empty_status();
    let got_at: *mut ffi::MPI_Status = &mut got;
    let code = politely(
        || {
            let mut done = 0;
            // SAFETY: the program's requests and index; `got` is a status.
            let code = unsafe { ffi::PMPI_Testany(count, requests, index, &mut done, got_at) };
            (code, done != 0)
        },
        // SAFETY: as above.
        || unsafe { ffi::PMPI_Waitany(count, requests, index, got_at) },
    );
    // SAFETY: MPI wrote the index.
    let which = [unsafe { *index }];
    ended(
        id,
        Op::Waitany,
        &handles,
        &which,
        &[got],
        EndSpec::default(),
    );
    // SAFETY: the program's status argument.
    unsafe { give_status(status, &got) };
    code
}

pub unsafe extern "C" fn testany(
    count: c_int,
    requests: *mut ffi::MPI_Request,
    index: *mut c_int,
    flag: *mut c_int,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() || count <= 0 {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Testany(count, requests, index, flag, status) };
    }
    // SAFETY: the program passes `count` requests.
    let handles = unsafe { handles(count, requests) };
    let mut got = empty_status();
    // SAFETY: the program's arguments; `got` is a status.
    let code = unsafe { ffi::PMPI_Testany(count, requests, index, flag, &mut got) };
    // SAFETY: MPI just wrote the flag and the index.
    let (done, which) = unsafe { (*flag != 0, *index) };
    let Some(polls) = poll(done).filter(|_| code == SUCCESS) else {
        return code;
    };
    let id = begin_on(Op::Testany, at, &handles);
    let spec = EndSpec::test(done, polls);
    ended(id, Op::Testany, &handles, &[which], &[got], spec);
    if !done {
        still_polling(polls);
    }
    // SAFETY: the program's status argument.
    unsafe { give_status(status, &got) };
    code
}

/// The indices MPI wrote: `outcount` of them (none if undefined).
///
/// # Safety
/// `indices` holds `outcount` indices when it is not negative.
unsafe fn written(outcount: c_int, indices: *const c_int) -> Vec<c_int> {
    let n = usize::try_from(outcount).unwrap_or(0);
    // SAFETY: as the caller guarantees.
    unsafe { std::slice::from_raw_parts(indices, n) }.to_vec()
}

pub unsafe extern "C" fn waitsome(
    incount: c_int,
    requests: *mut ffi::MPI_Request,
    outcount: *mut c_int,
    indices: *mut c_int,
    statuses: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() || incount <= 0 {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Waitsome(incount, requests, outcount, indices, statuses) };
    }
    // SAFETY: the program passes `incount` requests.
    let handles = unsafe { handles(incount, requests) };
    let id = begin_on(Op::Waitsome, at, &handles);
    let mut got = vec![empty_status(); handles.len()];
    let got_at = got.as_mut_ptr();
    let code = politely(
        || {
            // SAFETY: the program's arguments; `got` holds `incount`
            // statuses; MPI then wrote the count.
            let code = unsafe { ffi::PMPI_Testsome(incount, requests, outcount, indices, got_at) };
            // SAFETY: MPI just wrote the count.
            (code, unsafe { *outcount } != 0)
        },
        // SAFETY: as above.
        || unsafe { ffi::PMPI_Waitsome(incount, requests, outcount, indices, got_at) },
    );
    // SAFETY: MPI wrote the count and as many indices.
    let which = unsafe { written(*outcount, indices) };
    ended(id, Op::Waitsome, &handles, &which, &got, EndSpec::default());
    // SAFETY: the program's statuses: MPI_STATUSES_IGNORE or `incount`.
    unsafe { give_statuses(statuses, &got[..which.len()]) };
    code
}

pub unsafe extern "C" fn testsome(
    incount: c_int,
    requests: *mut ffi::MPI_Request,
    outcount: *mut c_int,
    indices: *mut c_int,
    statuses: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    if !recording() || incount <= 0 {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe { ffi::PMPI_Testsome(incount, requests, outcount, indices, statuses) };
    }
    // SAFETY: the program passes `incount` requests.
    let handles = unsafe { handles(incount, requests) };
    let mut got = vec![empty_status(); handles.len()];
    // SAFETY: the program's arguments; `got` holds `incount` statuses.
    let code =
        unsafe { ffi::PMPI_Testsome(incount, requests, outcount, indices, got.as_mut_ptr()) };
    // SAFETY: MPI wrote the count and as many indices.
    let which = unsafe { written(*outcount, indices) };
    let done = !which.is_empty();
    let Some(polls) = poll(done).filter(|_| code == SUCCESS) else {
        return code;
    };
    let id = begin_on(Op::Testsome, at, &handles);
    let spec = EndSpec::test(done, polls);
    ended(id, Op::Testsome, &handles, &which, &got, spec);
    if !done {
        still_polling(polls);
    }
    // SAFETY: the program's statuses: MPI_STATUSES_IGNORE or `incount`.
    unsafe { give_statuses(statuses, &got[..which.len()]) };
    code
}
