//! Nonblocking collectives and the waits that complete some requests
//! (waitany...): modelled as requests, met in the wait.

use super::fixtures::Script;
use crate::trace::{EventKind, Op, Source, TagSel};
use crate::view::words;

#[test]
fn a_wait_on_an_ibarrier_waits_for_ranks_still_running_and_deadlocks_once_they_finish() {
    let mut s = Script::new("ibarrier", 2);
    let calls = s.collective(Op::Ibarrier, None, &[0], 10);
    s.begin(0, &calls[0]);
    s.end(0, &calls[0]);
    let wait = s.wait_call(Op::Wait, 0, &[calls[0].id], 11);
    s.begin(0, &wait);
    let m = s.model();
    assert_eq!(m.ranks()[0].requests.len(), 1, "the ibarrier is a request");
    assert_eq!(words::rank_state(&m.ranks()[0]), "waiting in wait");
    assert!(
        m.deadlock().is_none(),
        "rank 1 is still running: it may come"
    );
    s.finish(1);
    let d = s.model().deadlock().expect("rank 1 never comes");
    assert_eq!(words::stuck_call(&d.cycle[0]), "wait(ibarrier #0)");
}

#[test]
fn the_ibarrier_is_left_when_its_wait_ends_not_when_it_starts() {
    let mut s = Script::new("ibarrier", 2);
    let calls = s.collective(Op::Ibarrier, None, &[0, 1], 10);
    for r in 0..2 {
        s.begin(r, &calls[r as usize]);
        s.end(r, &calls[r as usize]);
    }
    assert_eq!(s.model().collectives.len(), 1, "both started, neither left");
    for r in 0..2 {
        let wait = s.wait_call(Op::Wait, r, &[calls[r as usize].id], 11);
        s.begin(r, &wait);
        s.end(r, &wait);
    }
    let m = s.model();
    assert!(m.collectives.is_empty());
    assert!(m.ranks().iter().all(|r| r.requests.is_empty()));
}

#[test]
fn waitany_completes_only_the_request_it_names_and_is_free_while_one_can_complete() {
    let mut s = Script::new("any", 3);
    let from_one = s.recv_call(Op::Irecv, 0, Source::Rank(1), TagSel::Tag(1), 1, 9);
    let from_two = s.recv_call(Op::Irecv, 0, Source::Rank(2), TagSel::Tag(1), 1, 10);
    for c in [&from_one, &from_two] {
        s.begin(0, c);
        s.end(0, c);
    }
    let any = s.wait_call(Op::Waitany, 0, &[from_one.id, from_two.id], 12);
    s.begin(0, &any);
    s.finish(1);
    assert!(s.model().deadlock().is_none(), "rank 2 may still send");
    s.push(
        0,
        EventKind::End(crate::trace::CallEnd {
            id: any.id,
            op: Op::Waitany,
            received: Vec::new(),
            completed: None,
            done: vec![from_two.id],
            name: None,
            values: None,
            polls: 0,
            bytes: 0,
        }),
    );
    let m = s.model();
    let open: Vec<u64> = m.ranks()[0].requests.iter().map(|q| q.call.id).collect();
    assert_eq!(
        open,
        [from_one.id],
        "only the request from rank 2 completed"
    );
}
