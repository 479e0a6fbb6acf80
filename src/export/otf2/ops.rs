//! What OTF2 calls mpi-tutor's operations: the region of each call (named
//! as in MPI's C API, with its role), and each collective's kind and the
//! bytes a rank sends and receives in it.

use otf2_sys as sys;

use crate::trace::{Call, CollectivePart, Op, Rank};

/// The C name of a call: `MPI_Send`, `MPI_Comm_split`; an other call's
/// own name as its Begin gave it.
pub(super) fn region_name(call: &Call) -> String {
    let name = call.op_name();
    if name.starts_with("MPI_") {
        return name.to_string();
    }
    let mut letters = name.chars();
    match letters.next() {
        Some(first) => format!("MPI_{}{}", first.to_ascii_uppercase(), letters.as_str()),
        None => "MPI_".to_string(),
    }
}

/// Where a collective's data goes: from a root to all, from all to a
/// root, between all, along the ranks (scans), or no data at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    OneToAll,
    AllToOne,
    AllToAll,
    Prefix,
    None,
}

fn flow(op: Op) -> Flow {
    use Op::*;
    match op {
        Bcast | Scatter | Scatterv | Ibcast | Iscatter | Iscatterv => Flow::OneToAll,
        Gather | Gatherv | Reduce | Igather | Igatherv | Ireduce => Flow::AllToOne,
        Allgather | Allgatherv | Alltoall | Alltoallv | Allreduce | ReduceScatter
        | ReduceScatterBlock | Iallgather | Iallgatherv | Ialltoall | Ialltoallv | Iallreduce
        | IreduceScatter | IreduceScatterBlock => Flow::AllToAll,
        Scan | Exscan | Iscan | Iexscan => Flow::Prefix,
        _ => Flow::None,
    }
}

/// The region role of a call of `op`.
pub(super) fn role(op: Op) -> sys::OTF2_RegionRole {
    let role = match flow(op) {
        Flow::OneToAll => sys::OTF2_REGION_ROLE_COLL_ONE2ALL,
        Flow::AllToOne => sys::OTF2_REGION_ROLE_COLL_ALL2ONE,
        Flow::AllToAll => sys::OTF2_REGION_ROLE_COLL_ALL2ALL,
        Flow::Prefix => sys::OTF2_REGION_ROLE_COLL_OTHER,
        Flow::None if matches!(op, Op::Barrier | Op::Ibarrier) => sys::OTF2_REGION_ROLE_BARRIER,
        Flow::None if op.is_collective() => sys::OTF2_REGION_ROLE_COLL_OTHER,
        Flow::None if op == Op::Other => sys::OTF2_REGION_ROLE_FUNCTION,
        Flow::None => sys::OTF2_REGION_ROLE_POINT2POINT,
    };
    role as sys::OTF2_RegionRole
}

/// OTF2's kind of a collective of `op` (the nonblocking ones as their
/// blocking form); communicator makers create a handle.
pub(super) fn collective_op(op: Op) -> sys::OTF2_CollectiveOp {
    use Op::*;
    let kind = match op {
        Barrier | Ibarrier => sys::OTF2_COLLECTIVE_OP_BARRIER,
        Bcast | Ibcast => sys::OTF2_COLLECTIVE_OP_BCAST,
        Gather | Igather => sys::OTF2_COLLECTIVE_OP_GATHER,
        Gatherv | Igatherv => sys::OTF2_COLLECTIVE_OP_GATHERV,
        Scatter | Iscatter => sys::OTF2_COLLECTIVE_OP_SCATTER,
        Scatterv | Iscatterv => sys::OTF2_COLLECTIVE_OP_SCATTERV,
        Allgather | Iallgather => sys::OTF2_COLLECTIVE_OP_ALLGATHER,
        Allgatherv | Iallgatherv => sys::OTF2_COLLECTIVE_OP_ALLGATHERV,
        Alltoall | Ialltoall => sys::OTF2_COLLECTIVE_OP_ALLTOALL,
        Alltoallv | Ialltoallv => sys::OTF2_COLLECTIVE_OP_ALLTOALLV,
        Allreduce | Iallreduce => sys::OTF2_COLLECTIVE_OP_ALLREDUCE,
        Reduce | Ireduce => sys::OTF2_COLLECTIVE_OP_REDUCE,
        ReduceScatter | IreduceScatter => sys::OTF2_COLLECTIVE_OP_REDUCE_SCATTER,
        ReduceScatterBlock | IreduceScatterBlock => sys::OTF2_COLLECTIVE_OP_REDUCE_SCATTER_BLOCK,
        Scan | Iscan => sys::OTF2_COLLECTIVE_OP_SCAN,
        Exscan | Iexscan => sys::OTF2_COLLECTIVE_OP_EXSCAN,
        _ => sys::OTF2_COLLECTIVE_OP_CREATE_HANDLE,
    };
    kind as sys::OTF2_CollectiveOp
}

/// The bytes `rank` sends and receives in collective `c` of `op`. The
/// trace has one size per rank (its count times its datatype's): a root
/// sends it to, or receives it from, every member; in the all-to-all
/// kinds every rank does both; in a scan each passes it on once.
pub(super) fn collective_bytes(op: Op, c: &CollectivePart, rank: Rank) -> (u64, u64) {
    let each = c.bytes;
    let all = each.saturating_mul(u64::from(c.members));
    let root = c.root == Some(rank);
    match flow(op) {
        Flow::OneToAll if root => (all, each),
        Flow::OneToAll => (0, each),
        Flow::AllToOne if root => (each, all),
        Flow::AllToOne => (each, 0),
        Flow::AllToAll => (all, all),
        Flow::Prefix => (each, each),
        Flow::None => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Site;

    fn call(op: Op, name: Option<&'static str>) -> Call {
        Call {
            id: 0,
            op,
            comm: 0,
            send: None,
            recv: None,
            collective: None,
            requests: Vec::new(),
            site: Site {
                file: "x.c".into(),
                line: 1,
            },
            name: name.map(Into::into),
            shift: None,
            probe: None,
            rma: None,
        }
    }

    #[test]
    fn regions_are_named_as_in_the_c_api() {
        assert_eq!(region_name(&call(Op::Send, None)), "MPI_Send");
        assert_eq!(region_name(&call(Op::CommSplit, None)), "MPI_Comm_split");
        assert_eq!(
            region_name(&call(Op::ReduceScatterBlock, None)),
            "MPI_Reduce_scatter_block"
        );
        let other = call(Op::Other, Some("MPI_Type_commit"));
        assert_eq!(region_name(&other), "MPI_Type_commit");
    }

    #[test]
    fn a_root_sends_to_or_receives_from_every_member() {
        let part = CollectivePart {
            root: Some(1),
            instance: 0,
            count: 2,
            datatype: "MPI_INT".into(),
            bytes: 8,
            members: 4,
            values: None,
            reduce: None,
        };
        assert_eq!(collective_bytes(Op::Bcast, &part, 1), (32, 8));
        assert_eq!(collective_bytes(Op::Bcast, &part, 0), (0, 8));
        assert_eq!(collective_bytes(Op::Gather, &part, 1), (8, 32));
        assert_eq!(collective_bytes(Op::Gather, &part, 2), (8, 0));
        assert_eq!(collective_bytes(Op::Allreduce, &part, 3), (32, 32));
        assert_eq!(collective_bytes(Op::Barrier, &part, 3), (0, 0));
    }
}
