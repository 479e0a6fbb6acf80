//! Matched probes: `MPI_Mprobe` and `MPI_Improbe` take a message off the
//! queue (the message is matched there, as a receive would match it), and
//! `MPI_Mrecv` and `MPI_Imrecv` then receive that very message. mpi4py's
//! `comm.recv` is an `Mprobe` and an `Mrecv`.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::probe::{this_thread, Arrival, CallSpec, EndSpec};
use mpi_tutor::trace::Op;

use crate::p2p::{arrival, from_somebody, give_status, recv_spec};
use crate::probe::{looking_for, poll, still_polling, with_probe};
use crate::{begin, begin_posted, caller, comms, recording, requests, site, step, SUCCESS};

/// What a matched probe from `source` with `tag` on `comm` accepts.
fn probing(op: Op, at: usize, comm: &comms::CommInfo, source: c_int, tag: c_int) -> Option<u64> {
    begin(|| {
        let call = CallSpec::new(op, site(at)).on(comm.number);
        // SAFETY: reading MPI's constant for a byte.
        let bytes = unsafe { ffi::RSMPI_UINT8_T };
        Some(
            match this_thread(|thread| recv_spec(thread, comm, source, tag, 0, bytes)) {
                Some(mut recv) => {
                    recv.datatype = "MPI_BYTE".into();
                    call.receiving(recv)
                }
                None => call,
            },
        )
    })
}

/// The arrival a matched probe's status reports, if any.
fn taken(comm: &comms::CommInfo, id: u64, source: c_int, got: &ffi::MPI_Status) -> Vec<Arrival> {
    from_somebody(source)
        .then(|| arrival(comm, id, got))
        .flatten()
        .into_iter()
        .collect()
}

pub unsafe extern "C" fn mprobe(
    source: c_int,
    tag: c_int,
    comm: ffi::MPI_Comm,
    message: *mut ffi::MPI_Message,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    let plain = || {
        // SAFETY: the program's arguments, passed on as given.
        unsafe { ffi::PMPI_Mprobe(source, tag, comm, message, status) }
    };
    if !recording() {
        return plain();
    }
    let info = comms::info(comm);
    let Some(id) = probing(Op::Mprobe, at, &info, source, tag) else {
        return plain();
    };
    step(|r| r.posted(id));
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    let mut found = 0;
    let got_at: *mut ffi::MPI_Status = &mut got;
    let test = || {
        // SAFETY: the program's arguments; `got` is a status.
        let code = unsafe { ffi::PMPI_Improbe(source, tag, comm, &mut found, message, got_at) };
        (code, found != 0)
    };
    // SAFETY: the program's arguments; `got` is a status.
    let wait = || unsafe { ffi::PMPI_Mprobe(source, tag, comm, message, got_at) };
    let code = crate::politely(test, wait);
    let arrived = taken(&info, id, source, &got);
    crate::end(id, Op::Mprobe, &arrived, None);
    // SAFETY: the program's status argument.
    unsafe { give_status(status, &got) };
    code
}

pub unsafe extern "C" fn improbe(
    source: c_int,
    tag: c_int,
    comm: ffi::MPI_Comm,
    flag: *mut c_int,
    message: *mut ffi::MPI_Message,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    // SAFETY: the program's arguments; `got` is a status.
    let code = unsafe { ffi::PMPI_Improbe(source, tag, comm, flag, message, &mut got) };
    // SAFETY: MPI just wrote the flag (or failed, and it is not read).
    let found = code == SUCCESS && unsafe { *flag } != 0;
    if found {
        // SAFETY: the program's status argument.
        unsafe { give_status(status, &got) };
    }
    if !recording() || code != SUCCESS {
        return code;
    }
    let Some(polls) = poll(found) else {
        return code;
    };
    let info = comms::info(comm);
    // An unanswered poll takes nothing: it posts no receive, it only looks.
    let id = if found {
        probing(Op::Improbe, at, &info, source, tag)
    } else {
        begin(|| {
            let call = CallSpec::new(Op::Improbe, site(at)).on(info.number);
            Some(with_probe(call, looking_for(&info, source, tag)))
        })
    };
    if let Some(id) = id {
        step(|r| r.posted(id));
        let arrived = if found {
            taken(&info, id, source, &got)
        } else {
            Vec::new()
        };
        crate::end_as(id, Op::Improbe, &arrived, EndSpec::test(found, polls));
    }
    if !found {
        still_polling(polls);
    }
    code
}

/// `MPI_Mrecv` and `MPI_Imrecv`: local, the message already matched.
fn receiving_matched(op: Op, at: usize, work: impl FnOnce() -> c_int) -> (Option<u64>, c_int) {
    if !recording() {
        return (None, work());
    }
    let id = begin_posted(|| Some(CallSpec::new(op, site(at))));
    let code = work();
    if let Some(id) = id {
        crate::end(id, op, &[], None);
    }
    (id, code)
}

pub unsafe extern "C" fn mrecv(
    buf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    message: *mut ffi::MPI_Message,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    crate::fold::note_buffer(buf);
    // SAFETY: the program's arguments, passed on as given.
    receiving_matched(Op::Mrecv, at, || unsafe {
        ffi::PMPI_Mrecv(buf, count, datatype, message, status)
    })
    .1
}

pub unsafe extern "C" fn imrecv(
    buf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    message: *mut ffi::MPI_Message,
    request: *mut ffi::MPI_Request,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    let (id, code) = receiving_matched(Op::Imrecv, at, || unsafe {
        ffi::PMPI_Imrecv(buf, count, datatype, message, request)
    });
    if let (Some(id), SUCCESS) = (id, code) {
        // SAFETY: MPI just wrote the request. Its message was matched by
        // the probe: the wait reports no arrival.
        requests::opened(unsafe { *request }, id, None);
    }
    code
}
