//! The summary of one-sided runs and of runs across hosts: what moved,
//! what only synchronised, what stayed on a host and what crossed.

use super::fixtures::{ring_on_hosts, Script};
use super::{HostSplit, OneSidedStats, Traffic};
use crate::trace::Op;

/// One window calls collectively on 3 ranks (win_create, fences,
/// win_free); ranks 1 and 2 put 2 values into rank 0's window, rank 0
/// gets 2 values from rank 1's.
fn one_sided() -> Script {
    let mut s = Script::new("one_sided", 3);
    let together = |s: &mut Script, op: Op, line: u32| {
        for (r, c) in s.collective(op, None, &[0, 1, 2], line).iter().enumerate() {
            s.begin(r as u32, c);
            s.end(r as u32, c);
        }
    };
    together(&mut s, Op::WinCreate, 16);
    together(&mut s, Op::Fence, 18);
    for r in [1, 2] {
        let put = s.rma_call(Op::Put, r, 0, 2, 23);
        s.begin(r, &put);
        s.end(r, &put);
    }
    together(&mut s, Op::Fence, 26);
    let get = s.rma_call(Op::Get, 0, 1, 2, 40);
    s.begin(0, &get);
    s.end(0, &get);
    together(&mut s, Op::Fence, 41);
    together(&mut s, Op::WinFree, 50);
    s
}

#[test]
fn puts_and_gets_are_counted_and_window_calls_move_no_data() {
    let summary = one_sided().model().summary();
    let kind = |op, transfers, bytes| OneSidedStats {
        op,
        transfers,
        bytes,
    };
    assert_eq!(
        summary.one_sided,
        vec![kind(Op::Put, 2, 32), kind(Op::Get, 1, 16)]
    );
    assert_eq!(
        (summary.one_sided_transfers(), summary.one_sided_bytes()),
        (3, 48)
    );
    // A get's data goes from its target to its origin.
    let ways: Vec<(u32, u32, u64)> = (summary.one_sided_pairs.iter())
        .map(|p| (p.from, p.to, p.messages))
        .collect();
    assert_eq!(ways, vec![(1, 0, 2), (2, 0, 1)]);
    assert_eq!(
        summary.window_calls,
        vec![(Op::WinCreate, 1), (Op::Fence, 3), (Op::WinFree, 1)]
    );
    assert!(
        summary.collectives.is_empty(),
        "window calls are not data-moving collectives: {:?}",
        summary.collectives
    );
    assert_eq!(summary.total_messages(), 0);
}

#[test]
fn a_ring_over_three_hosts_splits_its_messages_within_and_across() {
    let hosts = ["h1", "h1", "h2", "h2", "h3", "h3"];
    let summary = ring_on_hosts(&hosts, 6).model().summary();
    let split = summary.hosts.expect("the run spans hosts");
    // 0->1, 2->3, 4->5 stay on their host; 1->2, 3->4, 5->0 cross.
    let three = Traffic {
        messages: 3,
        bytes: 24,
    };
    assert_eq!(
        split.point_to_point,
        HostSplit {
            within: three,
            across: three
        }
    );
    assert!(split.collective.is_empty() && split.one_sided.is_empty());
}

#[test]
fn one_sided_transfers_split_by_host_too() {
    let mut s = one_sided();
    s.header.hosts = ["a", "b", "b"].map(String::from).to_vec();
    let split = s.model().summary().hosts.expect("spans hosts");
    // 1->0 (a put and the get's way back) crosses, 2->0 too: all three.
    assert_eq!(split.one_sided.across.messages, 3);
    assert_eq!(split.one_sided.within.messages, 0);
}

#[test]
fn a_run_on_one_host_or_unknown_hosts_has_no_split() {
    let one = ring_on_hosts(&["h1"; 4], 4).model().summary();
    assert_eq!(one.hosts, None);
    let mut unknown = ring_on_hosts(&["h1"; 4], 4);
    unknown.header.hosts.clear();
    assert_eq!(unknown.model().summary().hosts, None);
}
