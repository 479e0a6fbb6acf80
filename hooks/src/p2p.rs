//! Point-to-point calls: each is done with its nonblocking form, so the
//! recorder hears the call is under way before the rank waits.

use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::{
    this_thread, Arrival, CallSpec, RecvSpec, SendSpec, StartSpec, StartedTransfer, ThisThread,
};
use mpi_tutor::trace::{Op, Source, TagSel};

use crate::comms::{self, CommInfo};
use crate::preview;
use crate::{caller, complete, completed, recording, site, site_on, Then, SUCCESS};

/// The message a send of `count` `datatype`s to `dest` sends; None when
/// `dest` is nobody (`MPI_PROC_NULL`).
pub fn send_spec(
    thread: &ThisThread,
    comm: &CommInfo,
    dest: c_int,
    tag: c_int,
    count: i64,
    datatype: ffi::MPI_Datatype,
) -> Option<SendSpec> {
    let dest = comm.world(dest)?;
    let (name, size) = comms::datatype_on(thread, datatype);
    let count = count.max(0) as u64;
    Some(SendSpec {
        dest,
        tag,
        count,
        datatype: name,
        bytes: count * size,
    })
}

/// What a receive from `source` accepts; None when `source` is nobody.
pub fn recv_spec(
    thread: &ThisThread,
    comm: &CommInfo,
    source: c_int,
    tag: c_int,
    count: i64,
    datatype: ffi::MPI_Datatype,
) -> Option<RecvSpec> {
    // SAFETY: reading MPI's constants.
    let (any_source, any_tag) = unsafe { (ffi::RSMPI_ANY_SOURCE, ffi::RSMPI_ANY_TAG) };
    let source = if source == any_source {
        Source::Any
    } else {
        Source::Rank(comm.world(source)?)
    };
    let tag = if tag == any_tag {
        TagSel::Any
    } else {
        TagSel::Tag(tag)
    };
    Some(RecvSpec {
        source,
        tag,
        count: count.max(0) as u64,
        datatype: comms::datatype_on(thread, datatype).0,
    })
}

/// The receive `status` reports, as an arrival for call `call`; None when
/// nothing came (from nobody).
pub fn arrival(comm: &CommInfo, call: u64, status: &ffi::MPI_Status) -> Option<Arrival> {
    // SAFETY: reading MPI's constant.
    if status.MPI_SOURCE == unsafe { ffi::RSMPI_PROC_NULL } {
        return None;
    }
    let source = comm.world(status.MPI_SOURCE)?;
    let mut bytes = 0;
    // SAFETY: `status` is a status MPI filled in.
    unsafe { ffi::PMPI_Get_count(status, ffi::RSMPI_UINT8_T, &mut bytes) };
    Some(Arrival {
        call,
        source,
        tag: status.MPI_TAG,
        bytes: bytes.max(0) as u64,
    })
}

/// Whether a receive from `source` can receive anything (not from
/// `MPI_PROC_NULL`, whose status names no sender).
pub fn from_somebody(source: c_int) -> bool {
    // SAFETY: reading MPI's constant.
    source != unsafe { ffi::RSMPI_PROC_NULL }
}

/// Copies `status` to where the program wants it, if it wants it.
///
/// # Safety
/// `to` is `MPI_STATUS_IGNORE` or points to a status.
pub unsafe fn give_status(to: *mut ffi::MPI_Status, status: &ffi::MPI_Status) {
    // SAFETY: as the caller guarantees.
    unsafe {
        if !to.is_null() && to != ffi::RSMPI_STATUS_IGNORE {
            *to = *status;
        }
    }
}

/// Ends recorded call `id` of `op`, whose receive from `source` got
/// `got` (an arrival unless from nobody), and gives the program `got`.
///
/// # Safety
/// `status` as [`give_status`] takes it.
pub unsafe fn received(
    info: &CommInfo,
    id: u64,
    op: Op,
    source: c_int,
    got: &ffi::MPI_Status,
    status: *mut ffi::MPI_Status,
) {
    let arrived: Vec<Arrival> = from_somebody(source)
        .then(|| arrival(info, id, got))
        .flatten()
        .into_iter()
        .collect();
    crate::end(id, op, &arrived, None);
    // SAFETY: as the caller guarantees.
    unsafe { give_status(status, got) };
}

/// `MPI_Send` and `MPI_Ssend` (either count form): the nonblocking form
/// `start`, completed; `plain` when not recording.
pub unsafe fn blocking_send(
    op: Op,
    spec: Peer,
    buf: *const std::os::raw::c_void,
    start: impl FnOnce(&mut ffi::MPI_Request) -> c_int,
    plain: impl FnOnce() -> c_int,
) -> c_int {
    let at = caller();
    if !recording() {
        return plain();
    }
    let (dest, tag, count, datatype, comm) = spec;
    let describe = || {
        let info = comms::info(comm);
        let call = CallSpec::new(op, site(at)).on(info.number);
        Some(
            match this_thread(|thread| send_spec(thread, &info, dest, tag, count, datatype)) {
                // SAFETY: the program's send buffer.
                Some(send) => call
                    .sending(send)
                    .showing(unsafe { preview::values(buf, count, datatype) }),
                None => call,
            },
        )
    };
    completed(op, describe, start).unwrap_or_else(plain)
}

/// What a point-to-point call names: peer, tag, count, datatype and
/// communicator, the count widened to the large-count form's.
pub type Peer = (c_int, c_int, i64, ffi::MPI_Datatype, ffi::MPI_Comm);

/// `MPI_Recv` (either count form): the nonblocking form `start`,
/// completed; `plain` when not recording.
pub unsafe fn blocking_recv(
    peer: Peer,
    status: *mut ffi::MPI_Status,
    start: impl FnOnce(&mut ffi::MPI_Request) -> c_int,
    plain: impl FnOnce() -> c_int,
) -> c_int {
    let at = caller();
    if !recording() {
        return plain();
    }
    let (source, tag, count, datatype, comm) = peer;
    let info = comms::info(comm);
    let describe = || {
        let call = CallSpec::new(Op::Recv, site(at)).on(info.number);
        Some(
            match this_thread(|thread| recv_spec(thread, &info, source, tag, count, datatype)) {
                Some(recv) => call.receiving(recv),
                None => call,
            },
        )
    };
    let mut request = ffi::RSMPI_REQUEST_NULL;
    let mut begun = Some(|| start(&mut request));
    let posted = crate::Then::Posted;
    let (id, code) =
        this_thread(|thread| crate::begin_around(thread, describe, &mut begun, posted));
    drop(begun);
    let Some(mut code) = code else {
        return plain();
    };
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    if code == SUCCESS {
        // SAFETY: the request was just started; `got` is a status.
        code = unsafe { complete(&mut request, &mut got) };
    }
    match id {
        // SAFETY: the program's status argument.
        Some(id) => unsafe { received(&info, id, Op::Recv, source, &got, status) },
        // SAFETY: as above.
        None => unsafe { give_status(status, &got) },
    }
    code
}

/// `MPI_Isend` (either count form), done by `start`, which wrote the
/// program's `request`.
pub unsafe fn started_send(
    peer: Peer,
    buf: *const std::os::raw::c_void,
    request: *mut ffi::MPI_Request,
    start: impl FnOnce() -> c_int,
) -> c_int {
    this_thread(|thread| {
        let at = thread.caller.get();
        // The message goes out before the recorder's work: its receiver
        // may be waiting for it.
        let code = start();
        if thread.on_tutor_thread() || code != SUCCESS {
            return code;
        }
        let (dest, tag, count, datatype, comm) = peer;
        let info = comms::info(comm);
        // MPI just wrote the request.
        let then = Then::Opened(Op::Isend, request, None);
        let describe = || {
            let transfer = match send_spec(thread, &info, dest, tag, count, datatype) {
                Some(send) => {
                    // SAFETY: the program's send buffer.
                    let values = unsafe { preview::values_from(thread, buf, count, datatype) };
                    StartedTransfer::Send(send, values)
                }
                None => StartedTransfer::Nobody,
            };
            Some(started_spec(Op::Isend, thread, &info, at, transfer))
        };
        crate::start_recorded(thread, describe, || code, then)
    })
}

/// `MPI_Irecv` (either count form), done by `start`, which writes the
/// program's `request`.
pub unsafe fn started_recv(
    peer: Peer,
    request: *mut ffi::MPI_Request,
    start: impl FnOnce() -> c_int,
) -> c_int {
    this_thread(|thread| {
        let at = thread.caller.get();
        if thread.on_tutor_thread() {
            return start();
        }
        let (source, tag, count, datatype, comm) = peer;
        let info = comms::info(comm);
        // A receive from nobody gets nothing, whatever status MPI gives its
        // request (MPICH's names rank 0, tag 0).
        let receive = from_somebody(source).then_some(&info);
        let then = Then::Opened(Op::Irecv, request, receive);
        let describe = || {
            let transfer = match recv_spec(thread, &info, source, tag, count, datatype) {
                Some(recv) => StartedTransfer::Recv(recv),
                None => StartedTransfer::Nobody,
            };
            Some(started_spec(Op::Irecv, thread, &info, at, transfer))
        };
        crate::start_recorded(thread, describe, start, then)
    })
}

/// A call of `op` on `info`'s communicator from `at` that starts
/// `transfer`.
fn started_spec(
    op: Op,
    thread: &ThisThread,
    info: &CommInfo,
    at: usize,
    transfer: StartedTransfer,
) -> StartSpec {
    StartSpec {
        op,
        comm: info.number,
        site: site_on(thread, at),
        transfer,
    }
}

/// Defines `$name`, the body of a blocking send hook (`MPI_Send`, its
/// modes, their large-count forms) with a `$count` count: `$op` recorded,
/// done by `$start` (the nonblocking form) completed, or by `$plain`.
macro_rules! blocking_send_hook {
    ($name:ident, $count:ty, $op:expr, $start:ident, $plain:ident) => {
        #[allow(clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            buf: *const ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            dest: ::std::os::raw::c_int,
            tag: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
        ) -> ::std::os::raw::c_int {
            $crate::fold::note_buffer(buf);
            let peer = (dest, tag, count.into(), datatype, comm);
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::p2p::blocking_send(
                    $op,
                    peer,
                    buf,
                    |request| ::mpi::ffi::$start(buf, count, datatype, dest, tag, comm, request),
                    || ::mpi::ffi::$plain(buf, count, datatype, dest, tag, comm),
                )
            }
        }
    };
}
pub(crate) use blocking_send_hook;

/// Defines `$name`, a standard send's hook (`MPI_Send`, `MPI_Isend`, with
/// a `$count` count): `$standard`, or `$synchronous` in synchronous-send
/// mode (`--sync-sends`), for the program's calls (never the tutor's).
macro_rules! synchronous_when_asked {
    ($name:ident, $count:ty, $standard:path, $synchronous:path $(, $request:ident)?) => {
        pub unsafe extern "C" fn $name(
            buf: *const ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            dest: ::std::os::raw::c_int,
            tag: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
            $($request: *mut ::mpi::ffi::MPI_Request,)?
        ) -> ::std::os::raw::c_int {
            let hook = if ::mpi_tutor::probe::sends::synchronous() && $crate::recording() {
                $synchronous
            } else {
                $standard
            };
            // SAFETY: the program's arguments, passed on as given.
            unsafe { hook(buf, count, datatype, dest, tag, comm $(, $request)?) }
        }
    };
}
// Used beyond this file only by the large-count forms (src/large.rs).
#[cfg(large_count)]
pub(crate) use synchronous_when_asked;

/// Defines `$name`, the body of a nonblocking send hook (`MPI_Isend`, its
/// modes, their large-count forms) with a `$count` count, done by `$start`.
macro_rules! started_send_hook {
    ($name:ident, $count:ty, $start:ident) => {
        #[allow(clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            buf: *const ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            dest: ::std::os::raw::c_int,
            tag: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
            request: *mut ::mpi::ffi::MPI_Request,
        ) -> ::std::os::raw::c_int {
            $crate::fold::note_buffer(buf);
            let peer = (dest, tag, count.into(), datatype, comm);
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::p2p::started_send(peer, buf, request, || {
                    ::mpi::ffi::$start(buf, count, datatype, dest, tag, comm, request)
                })
            }
        }
    };
}
pub(crate) use started_send_hook;

/// Defines `$name`, the body of the `MPI_Recv` hook with a `$count` count:
/// done by `$start` (`MPI_Irecv`'s form) completed, or by `$plain`.
macro_rules! blocking_recv_hook {
    ($name:ident, $count:ty, $start:ident, $plain:ident) => {
        #[allow(clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            buf: *mut ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            source: ::std::os::raw::c_int,
            tag: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
            status: *mut ::mpi::ffi::MPI_Status,
        ) -> ::std::os::raw::c_int {
            let peer = (source, tag, count.into(), datatype, comm);
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::p2p::blocking_recv(
                    peer,
                    status,
                    |request| ::mpi::ffi::$start(buf, count, datatype, source, tag, comm, request),
                    || ::mpi::ffi::$plain(buf, count, datatype, source, tag, comm, status),
                )
            }
        }
    };
}
// Used beyond this file only by the large-count forms (src/large.rs).
#[cfg(large_count)]
pub(crate) use blocking_recv_hook;

/// Defines `$name`, the body of the `MPI_Irecv` hook with a `$count`
/// count, done by `$start`.
macro_rules! started_recv_hook {
    ($name:ident, $count:ty, $start:ident) => {
        #[allow(clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            buf: *mut ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            source: ::std::os::raw::c_int,
            tag: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
            request: *mut ::mpi::ffi::MPI_Request,
        ) -> ::std::os::raw::c_int {
            let peer = (source, tag, count.into(), datatype, comm);
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::p2p::started_recv(peer, request, || {
                    ::mpi::ffi::$start(buf, count, datatype, source, tag, comm, request)
                })
            }
        }
    };
}
// Used beyond this file only by the large-count forms (src/large.rs).
#[cfg(large_count)]
pub(crate) use started_recv_hook;

blocking_send_hook!(standard_send, c_int, Op::Send, PMPI_Isend, PMPI_Send);
blocking_send_hook!(ssend, c_int, Op::Ssend, PMPI_Issend, PMPI_Ssend);
blocking_recv_hook!(recv, c_int, PMPI_Irecv, PMPI_Recv);
started_send_hook!(standard_isend, c_int, PMPI_Isend);
synchronous_when_asked!(send, c_int, standard_send, ssend);
synchronous_when_asked!(isend, c_int, standard_isend, crate::modes::issend, request);
started_recv_hook!(irecv, c_int, PMPI_Irecv);
