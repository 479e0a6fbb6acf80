//! The MPI calls the interposer defines, each a trampoline to its body.

use crate::hook;
use crate::spread::plain as spread;
use crate::{
    any, collective, gathers, init, matched, modes, p2p, probe, requests, sendrecv, split, started,
    topology,
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
hook!(MPI_Comm_create => topology::comm_create);
hook!(MPI_Cart_create => topology::cart_create);
hook!(MPI_Cart_shift => topology::cart_shift);
hook!(MPI_Intercomm_create => topology::intercomm_create);
hook!(MPI_Waitany => any::waitany);
hook!(MPI_Waitsome => any::waitsome);
hook!(MPI_Testany => any::testany);
hook!(MPI_Testsome => any::testsome);
hook!(MPI_Reduce_scatter => spread::reduce_scatter);
hook!(MPI_Reduce_scatter_block => spread::reduce_scatter_block);
hook!(MPI_Exscan => spread::exscan);
hook!(MPI_Allgatherv => spread::allgatherv);
hook!(MPI_Alltoallv => spread::alltoallv);
hook!(MPI_Ibarrier => started::ibarrier);
hook!(MPI_Ibcast => started::ibcast);
hook!(MPI_Iscatter => started::iscatter);
hook!(MPI_Iscatterv => started::iscatterv);
hook!(MPI_Igather => started::igather);
hook!(MPI_Igatherv => started::igatherv);
hook!(MPI_Iallgather => started::iallgather);
hook!(MPI_Ialltoall => started::ialltoall);
hook!(MPI_Ireduce => started::ireduce);
hook!(MPI_Iallreduce => started::iallreduce);
hook!(MPI_Iscan => started::iscan);
hook!(MPI_Ireduce_scatter => spread::ireduce_scatter);
hook!(MPI_Ireduce_scatter_block => spread::ireduce_scatter_block);
hook!(MPI_Iexscan => spread::iexscan);
hook!(MPI_Iallgatherv => spread::iallgatherv);
hook!(MPI_Ialltoallv => spread::ialltoallv);

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
    hook!(MPI_Scan_c => large::scan_c);
    hook!(MPI_Sendrecv_c => large::sendrecv_c);
    hook!(MPI_Scatter_c => large::scatter_c);
    hook!(MPI_Gather_c => large::gather_c);
    hook!(MPI_Mrecv_c => payload::mrecv_c);
    hook!(MPI_Scatterv_c => payload::scatterv_c);
    hook!(MPI_Gatherv_c => payload::gatherv_c);
    hook!(MPI_Allgather_c => payload::allgather_c);
    hook!(MPI_Alltoall_c => payload::alltoall_c);
    hook!(MPI_Issend_c => payload::issend_c);

    use crate::spread::large as spread;
    hook!(MPI_Reduce_scatter_c => spread::reduce_scatter_c);
    hook!(MPI_Reduce_scatter_block_c => spread::reduce_scatter_block_c);
    hook!(MPI_Exscan_c => spread::exscan_c);
    hook!(MPI_Allgatherv_c => spread::allgatherv_c);
    hook!(MPI_Alltoallv_c => spread::alltoallv_c);
    hook!(MPI_Ireduce_scatter_c => spread::ireduce_scatter_c);
    hook!(MPI_Ireduce_scatter_block_c => spread::ireduce_scatter_block_c);
    hook!(MPI_Iexscan_c => spread::iexscan_c);
    hook!(MPI_Iallreduce_c => crate::started::iallreduce_c);
    hook!(MPI_Iallgatherv_c => spread::iallgatherv_c);
    hook!(MPI_Ialltoallv_c => spread::ialltoallv_c);
}
