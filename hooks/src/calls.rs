//! The MPI calls the interposer defines, each a trampoline to its body.

use crate::hook;
use crate::{
    collective, gathers, init, matched, modes, p2p, payload, probe, requests, sendrecv, split,
};

hook!(MPI_Init => init::init);
hook!(MPI_Init_thread => init::init_thread);
hook!(MPI_Finalize => init::finalize);
hook!(MPI_Abort => init::abort);
hook!(MPI_Send => p2p::send);
hook!(MPI_Ssend => p2p::ssend);
hook!(MPI_Recv => p2p::recv);
hook!(MPI_Isend => p2p::isend);
hook!(MPI_Irecv => p2p::irecv);
hook!(MPI_Sendrecv => sendrecv::sendrecv);
hook!(MPI_Sendrecv_replace => modes::sendrecv_replace);
hook!(MPI_Bsend => modes::bsend);
hook!(MPI_Rsend => modes::rsend);
hook!(MPI_Issend => modes::issend);
hook!(MPI_Ibsend => modes::ibsend);
hook!(MPI_Irsend => modes::irsend);
hook!(MPI_Wait => requests::wait);
hook!(MPI_Waitall => requests::waitall);
hook!(MPI_Test => requests::test);
hook!(MPI_Testall => requests::testall);
hook!(MPI_Barrier => collective::barrier);
hook!(MPI_Bcast => collective::bcast);
hook!(MPI_Scatter => collective::scatter);
hook!(MPI_Gather => collective::gather);
hook!(MPI_Reduce => collective::reduce);
hook!(MPI_Allreduce => collective::allreduce);
hook!(MPI_Comm_free => collective::comm_free);
hook!(MPI_Allgather => gathers::allgather);
hook!(MPI_Alltoall => gathers::alltoall);
hook!(MPI_Scan => gathers::scan);
hook!(MPI_Scatterv => gathers::scatterv);
hook!(MPI_Gatherv => gathers::gatherv);
hook!(MPI_Probe => probe::probe);
hook!(MPI_Mprobe => matched::mprobe);
hook!(MPI_Improbe => matched::improbe);
hook!(MPI_Mrecv => matched::mrecv);
hook!(MPI_Imrecv => matched::imrecv);
hook!(MPI_Iprobe => probe::iprobe);
hook!(MPI_Comm_split => split::comm_split);
hook!(MPI_Comm_dup => split::comm_dup);
hook!(MPI_Allgatherv => payload::allgatherv);
hook!(MPI_Alltoallv => payload::alltoallv);

#[cfg(large_count)]
mod large_count {
    use crate::hook;
    use crate::large;
    use crate::payload::large_count as payload;

    hook!(MPI_Send_c => large::send_c);
    hook!(MPI_Ssend_c => large::ssend_c);
    hook!(MPI_Recv_c => large::recv_c);
    hook!(MPI_Isend_c => large::isend_c);
    hook!(MPI_Irecv_c => large::irecv_c);
    hook!(MPI_Bcast_c => large::bcast_c);
    hook!(MPI_Reduce_c => large::reduce_c);
    hook!(MPI_Allreduce_c => large::allreduce_c);
    hook!(MPI_Sendrecv_c => large::sendrecv_c);
    hook!(MPI_Scatter_c => large::scatter_c);
    hook!(MPI_Gather_c => large::gather_c);
    hook!(MPI_Mrecv_c => payload::mrecv_c);
    hook!(MPI_Scatterv_c => payload::scatterv_c);
    hook!(MPI_Gatherv_c => payload::gatherv_c);
    hook!(MPI_Allgather_c => payload::allgather_c);
    hook!(MPI_Allgatherv_c => payload::allgatherv_c);
    hook!(MPI_Alltoall_c => payload::alltoall_c);
    hook!(MPI_Alltoallv_c => payload::alltoallv_c);
    hook!(MPI_Issend_c => payload::issend_c);
}
