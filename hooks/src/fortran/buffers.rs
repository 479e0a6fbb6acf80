//! The Fortran calls with buffers, which only Open MPI's binding makes
//! without the C `MPI_*` functions (MPICH's call them): each converts as
//! Open MPI's `ompi_send_f` does, then runs the C hook's body.

use std::ffi::c_void;
use std::os::raw::c_int;
use std::sync::OnceLock;

use mpi::ffi;

use super::{address_of, answer, comm, value, with_status, Fint};
use crate::{collective, p2p, sendrecv};

/// A buffer as C takes it: Fortran's `MPI_IN_PLACE` and `MPI_BOTTOM` are
/// objects of their own, C's are Open MPI's `(void *) 1` and null (only
/// Open MPI's buffer calls come here: MPICH's go to the C hooks).
fn buffer(buf: *const c_void) -> *mut c_void {
    static MARKERS: OnceLock<[usize; 2]> = OnceLock::new();
    let [in_place, bottom] = *MARKERS.get_or_init(|| {
        [
            address_of(c"mpi_fortran_in_place_"),
            address_of(c"mpi_fortran_bottom_"),
        ]
    });
    match buf as usize {
        at if at != 0 && at == in_place => std::ptr::without_provenance_mut(1),
        at if at != 0 && at == bottom => std::ptr::null_mut(),
        _ => buf.cast_mut(),
    }
}

/// The C datatype of a Fortran one.
///
/// # Safety
/// As [`value`].
unsafe fn datatype(at: *const Fint) -> ffi::MPI_Datatype {
    // SAFETY: as the caller guarantees; the conversion is MPI's own.
    unsafe { ffi::RSMPI_Type_f2c(*at) }
}

/// The C reduction of a Fortran one.
///
/// # Safety
/// As [`value`].
unsafe fn op(at: *const Fint) -> ffi::MPI_Op {
    // SAFETY: as the caller guarantees; the conversion is MPI's own.
    unsafe { ffi::RSMPI_Op_f2c(*at) }
}

/// Runs `work` with a fresh C request, then gives the program its
/// Fortran number.
///
/// # Safety
/// `request` points to a Fortran request.
unsafe fn with_new_request(
    request: *mut Fint,
    work: impl FnOnce(*mut ffi::MPI_Request) -> c_int,
) -> c_int {
    // SAFETY: reading MPI's constant.
    let mut started = unsafe { ffi::RSMPI_REQUEST_NULL };
    let code = work(&mut started);
    if code == crate::SUCCESS {
        // SAFETY: the program's request; the conversion is MPI's own.
        unsafe { *request = ffi::RSMPI_Request_c2f(started) };
    }
    code
}

/// A point-to-point call's message, converted: count, datatype, peer
/// (destination or source), tag and communicator.
type Message = (c_int, ffi::MPI_Datatype, c_int, c_int, ffi::MPI_Comm);

/// Converts a point-to-point call's Fortran arguments.
///
/// # Safety
/// The program's arguments, as Fortran passes them.
unsafe fn message(
    count: *const Fint,
    type_at: *const Fint,
    peer: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
) -> Message {
    // SAFETY: as the caller guarantees.
    unsafe {
        let kind = datatype(type_at);
        (value(count), kind, value(peer), value(tag), comm(comm_at))
    }
}

pub unsafe extern "C" fn send(
    buf: *const c_void,
    count: *const Fint,
    type_at: *const Fint,
    dest: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (count, kind, dest, tag, communicator) = message(count, type_at, dest, tag, comm_at);
        let code = p2p::send(buffer(buf), count, kind, dest, tag, communicator);
        answer(ierr, code);
    }
}

pub unsafe extern "C" fn ssend(
    buf: *const c_void,
    count: *const Fint,
    type_at: *const Fint,
    dest: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (count, kind, dest, tag, communicator) = message(count, type_at, dest, tag, comm_at);
        let code = p2p::ssend(buffer(buf), count, kind, dest, tag, communicator);
        answer(ierr, code);
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn recv(
    buf: *mut c_void,
    count: *const Fint,
    type_at: *const Fint,
    source: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    status: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (count, kind, source, tag, communicator) =
            message(count, type_at, source, tag, comm_at);
        let code = with_status(status, |status| {
            p2p::recv(buffer(buf), count, kind, source, tag, communicator, status)
        });
        answer(ierr, code);
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn isend(
    buf: *const c_void,
    count: *const Fint,
    type_at: *const Fint,
    dest: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    request: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (count, kind, dest, tag, communicator) = message(count, type_at, dest, tag, comm_at);
        let code = with_new_request(request, |started| {
            p2p::isend(buffer(buf), count, kind, dest, tag, communicator, started)
        });
        answer(ierr, code);
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn irecv(
    buf: *mut c_void,
    count: *const Fint,
    type_at: *const Fint,
    source: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    request: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (count, kind, source, tag, communicator) =
            message(count, type_at, source, tag, comm_at);
        let code = with_new_request(request, |started| {
            p2p::irecv(buffer(buf), count, kind, source, tag, communicator, started)
        });
        answer(ierr, code);
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sendrecv(
    sendbuf: *const c_void,
    sendcount: *const Fint,
    sendtype: *const Fint,
    dest: *const Fint,
    sendtag: *const Fint,
    recvbuf: *mut c_void,
    recvcount: *const Fint,
    recvtype: *const Fint,
    source: *const Fint,
    recvtag: *const Fint,
    comm_at: *const Fint,
    status: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let sends = (
            value(sendcount),
            datatype(sendtype),
            value(dest),
            value(sendtag),
        );
        let receives = (
            value(recvcount),
            datatype(recvtype),
            value(source),
            value(recvtag),
        );
        let communicator = comm(comm_at);
        let code = with_status(status, |status| {
            sendrecv::sendrecv(
                buffer(sendbuf),
                sends.0,
                sends.1,
                sends.2,
                sends.3,
                buffer(recvbuf),
                receives.0,
                receives.1,
                receives.2,
                receives.3,
                communicator,
                status,
            )
        });
        answer(ierr, code);
    }
}

pub unsafe extern "C" fn bcast(
    buf: *mut c_void,
    count: *const Fint,
    type_at: *const Fint,
    root: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (count, kind, root) = (value(count), datatype(type_at), value(root));
        answer(
            ierr,
            collective::bcast(buffer(buf), count, kind, root, comm(comm_at)),
        );
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn reduce(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: *const Fint,
    type_at: *const Fint,
    op_at: *const Fint,
    root: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (from, to) = (buffer(sendbuf), buffer(recvbuf));
        let (count, kind, how, root) = (value(count), datatype(type_at), op(op_at), value(root));
        answer(
            ierr,
            collective::reduce(from, to, count, kind, how, root, comm(comm_at)),
        );
    }
}

pub unsafe extern "C" fn allreduce(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: *const Fint,
    type_at: *const Fint,
    op_at: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (from, to) = (buffer(sendbuf), buffer(recvbuf));
        let (count, kind, how) = (value(count), datatype(type_at), op(op_at));
        answer(
            ierr,
            collective::allreduce(from, to, count, kind, how, comm(comm_at)),
        );
    }
}

/// A scatter's or a gather's arguments, converted: (send buffer, count,
/// type, receive buffer, count, type, root, communicator).
type Exchange = (
    *mut c_void,
    c_int,
    ffi::MPI_Datatype,
    *mut c_void,
    c_int,
    ffi::MPI_Datatype,
    c_int,
    ffi::MPI_Comm,
);

/// Converts a scatter's or a gather's Fortran arguments.
///
/// # Safety
/// The program's arguments, as Fortran passes them.
#[allow(clippy::too_many_arguments)]
unsafe fn exchange(
    sendbuf: *const c_void,
    sendcount: *const Fint,
    sendtype: *const Fint,
    recvbuf: *mut c_void,
    recvcount: *const Fint,
    recvtype: *const Fint,
    root: *const Fint,
    comm_at: *const Fint,
) -> Exchange {
    // SAFETY: as the caller guarantees.
    unsafe {
        (
            buffer(sendbuf),
            value(sendcount),
            datatype(sendtype),
            buffer(recvbuf),
            value(recvcount),
            datatype(recvtype),
            value(root),
            comm(comm_at),
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn scatter(
    sendbuf: *const c_void,
    sendcount: *const Fint,
    sendtype: *const Fint,
    recvbuf: *mut c_void,
    recvcount: *const Fint,
    recvtype: *const Fint,
    root: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (sb, sc, st, rb, rc, rt, root, c) = exchange(
            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm_at,
        );
        answer(ierr, collective::scatter(sb, sc, st, rb, rc, rt, root, c));
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gather(
    sendbuf: *const c_void,
    sendcount: *const Fint,
    sendtype: *const Fint,
    recvbuf: *mut c_void,
    recvcount: *const Fint,
    recvtype: *const Fint,
    root: *const Fint,
    comm_at: *const Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (sb, sc, st, rb, rc, rt, root, c) = exchange(
            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm_at,
        );
        answer(ierr, collective::gather(sb, sc, st, rb, rc, rt, root, c));
    }
}
