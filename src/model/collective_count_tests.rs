//! What the summary counts of the collectives a watched program makes:
//! the logical transfers of every data collective (the nonblocking ones
//! as their blocking form), and the calls that make communicators apart,
//! as moving no data.

use super::fixtures::Script;
use super::{CollectiveStats, PairStats};
use crate::trace::Op;
use crate::view::words;

/// Collective `op` made by every rank of `s`, each putting in `count` f64
/// (its whole vector, for reduce_scatter and alltoallv), and left by each:
/// at its wait, for a nonblocking one.
fn together(s: &mut Script, op: Op, root: Option<u32>, count: u64) {
    let ranks: Vec<u32> = (0..s.header.world_size).collect();
    let mut calls = s.collective(op, root, &ranks, 10);
    for c in &mut calls {
        let part = c.collective.as_mut().expect("a collective");
        (part.count, part.bytes) = (count, 8 * count);
    }
    for (&r, c) in ranks.iter().zip(&calls) {
        s.begin(r, c);
    }
    for (&r, c) in ranks.iter().zip(&calls) {
        s.end(r, c);
        if op.is_nonblocking_collective() {
            let wait = s.wait_call(Op::Wait, r, &[c.id], 11);
            s.begin(r, &wait);
            s.end(r, &wait);
        }
    }
}

/// The summary's row of kind `op`: (calls, transfers, bytes).
fn kind(s: &Script, op: Op) -> (u64, u64, u64) {
    let kinds = s.model().summary().collectives;
    let found = kinds.iter().find(|k| k.op == Some(op));
    let k: &CollectiveStats = found.unwrap_or_else(|| panic!("no {op:?} in {kinds:?}"));
    (k.calls, k.flows, k.bytes)
}

/// The collectives' transfers per (from, to): (from, to, values).
fn ways(s: &Script) -> Vec<(u32, u32, u64)> {
    let pairs: Vec<PairStats> = s.model().summary().collective;
    pairs.iter().map(|p| (p.from, p.to, p.bytes / 8)).collect()
}

#[test]
fn reduce_scatter_sends_each_rank_its_part_of_every_other_rank_s_vector() {
    let mut s = Script::new("spread", 4);
    // 4 values each: one for each rank.
    together(&mut s, Op::ReduceScatterBlock, None, 4);
    assert_eq!(kind(&s, Op::ReduceScatterBlock), (1, 12, 12 * 8));
    assert!(ways(&s).iter().all(|&(_, _, values)| values == 1));
    assert_eq!(
        words::movement(Op::ReduceScatter),
        "all -> each its part, combined"
    );
    // Parts as even as they go: 4 values over 3 ranks, 1, 1 and 2, so
    // rank 2 gets 2 values from each other rank.
    let mut s = Script::new("spread", 3);
    together(&mut s, Op::ReduceScatter, None, 4);
    let to_two: Vec<u64> = (ways(&s).iter())
        .filter(|w| w.1 == 2)
        .map(|w| w.2)
        .collect();
    assert_eq!(to_two, [2, 2]);
    // Each rank sends the 4 values of its vector less its own part.
    assert_eq!(kind(&s, Op::ReduceScatter), (1, 6, (3 + 3 + 2) * 8));
}

#[test]
fn exscan_moves_each_rank_s_data_to_the_ranks_after_it_as_scan_does() {
    let mut s = Script::new("exscan", 4);
    together(&mut s, Op::Exscan, None, 1);
    assert_eq!(kind(&s, Op::Exscan), (1, 6, 6 * 8));
    assert!(
        ways(&s).iter().all(|&(from, to, _)| to > from),
        "{:?}",
        ways(&s)
    );
    assert_eq!(words::movement(Op::Exscan), words::movement(Op::Scan));
}

#[test]
fn the_v_collectives_move_data_between_all_ranks() {
    let mut s = Script::new("v", 4);
    together(&mut s, Op::Allgatherv, None, 1);
    assert_eq!(kind(&s, Op::Allgatherv), (1, 12, 12 * 8));
    // Alltoallv's vector holds a part for every rank, its own too.
    together(&mut s, Op::Alltoallv, None, 4);
    assert_eq!(kind(&s, Op::Alltoallv), (1, 12, 12 * 8));
}

#[test]
fn a_nonblocking_collective_moves_its_data_as_its_blocking_form() {
    let mut s = Script::new("started", 4);
    together(&mut s, Op::Ibcast, Some(0), 2);
    together(&mut s, Op::Ireduce, Some(0), 1);
    together(&mut s, Op::IreduceScatterBlock, None, 4);
    together(&mut s, Op::Iexscan, None, 1);
    assert_eq!(kind(&s, Op::Ibcast), (1, 3, 3 * 16));
    assert_eq!(kind(&s, Op::Ireduce), (1, 3, 3 * 8));
    assert_eq!(kind(&s, Op::IreduceScatterBlock), (1, 12, 12 * 8));
    assert_eq!(kind(&s, Op::Iexscan), (1, 6, 6 * 8));
    assert_eq!(words::movement(Op::Ibcast), words::movement(Op::Bcast));
}

#[test]
fn communicator_calls_are_counted_apart_and_move_no_data() {
    let mut s = Script::new("comms", 4);
    for op in [Op::CommSplit, Op::CommDup, Op::CommSplit, Op::CartCreate] {
        together(&mut s, op, None, 0);
    }
    together(&mut s, Op::Ibarrier, None, 0);
    together(&mut s, Op::Allreduce, None, 1);
    let summary = s.model().summary();
    assert_eq!(
        summary.communicator_calls,
        [(Op::CommSplit, 2), (Op::CommDup, 1), (Op::CartCreate, 1)]
    );
    // Only the allreduce moved data: no row of 0 transfers for the rest.
    let kinds: Vec<Option<Op>> = summary.collectives.iter().map(|k| k.op).collect();
    assert_eq!(kinds, [Some(Op::Allreduce)]);
    assert_eq!(
        words::communicator_calls(&summary.communicator_calls).as_deref(),
        Some(
            "communicator calls: comm_split 2, comm_dup 1, cart_create 1 \
             (they make communicators and move no data)"
        )
    );
}
