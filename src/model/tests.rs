use proptest::prelude::*;

use super::fixtures::{head_to_head, send_recv, Script};
use super::*;
use crate::trace::{Event, EventKind, Op, Outcome, Source, TagSel};
use crate::view::words;

fn states(m: &Model) -> Vec<String> {
    m.ranks().iter().map(words::rank_state).collect()
}

fn msg_states(m: &Model) -> Vec<MsgState> {
    m.messages().map(|x| x.state).collect()
}

#[test]
fn recv_posted_before_the_send_is_pending_then_in_flight_then_delivered() {
    let m = send_recv("pending").model();
    assert_eq!(
        states(&m),
        [
            "held by the tutor",
            "waiting in recv from 0",
            "finished",
            "finished",
            "finished"
        ]
    );
    let pending: Vec<_> = m.pending_receives().collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].rank, pending[0].source, pending[0].tag),
        (1, Source::Rank(0), TagSel::Tag(13))
    );
    assert!(m.deadlock().is_none(), "rank 0 is only held");

    let m = send_recv("in_flight").model();
    assert_eq!(m.pending_receives().count(), 0);
    assert_eq!(msg_states(&m), [MsgState::InFlight]);
    assert_eq!(words::rank_state(&m.ranks()[0]), "waiting in send to 1");
    assert!(m.deadlock().is_none());

    let m = send_recv("delivered").model();
    assert_eq!(msg_states(&m), [MsgState::Delivered]);
    assert_eq!(states(&m)[..2], ["running", "running"]);
    assert!(!m.all_done());

    let m = send_recv("done").model();
    assert!(m.all_done());
    assert_eq!(
        m.ranks()[1].said.as_deref(),
        Some("waiting for data from rank 0")
    );
}

#[test]
fn a_send_before_its_receive_is_unexpected_until_the_receive_is_posted() {
    let mut s = Script::new("send_recv", 2);
    let (send, id) = s.send(0, 1, 13, 100, 21);
    s.end(0, &send);
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Unexpected]);
    assert_eq!(m.pending_receives().count(), 0);

    let recv = s.recv(1, Source::Rank(0), TagSel::Tag(13), 100, 27);
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::InFlight]);
    assert_eq!(m.messages().next().unwrap().matched_by, Some(recv.id));
    assert_eq!(m.pending_receives().count(), 0);

    s.end_received(1, &recv, &[(recv.id, id)]);
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Delivered]);
}

#[test]
fn a_receive_may_end_before_its_send_is_heard_of() {
    let mut s = Script::new("send_recv", 2);
    let recv = s.recv(1, Source::Rank(0), TagSel::Tag(13), 100, 27);
    let send = s.send_call(Op::Send, 0, 1, 13, 100, 21);
    let id = send.send.as_ref().unwrap().msg;
    s.end_received(1, &recv, &[(recv.id, id)]);
    s.begin(0, &send);
    s.end(0, &send);
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Delivered]);
    assert_eq!(m.pending_receives().count(), 0);
    assert_eq!(m.summary().total_messages(), 1);
    assert!(m.deadlock().is_none());
}

#[test]
fn wildcard_receives_take_the_oldest_acceptable_message() {
    let mut s = Script::new("gather", 3);
    let recv = s.recv(0, Source::Any, TagSel::Any, 1, 10);
    let m = s.model();
    assert_eq!(words::rank_state(&m.ranks()[0]), "waiting in recv from any");
    assert_eq!(m.pending_receives().count(), 1);
    let (_, from2) = s.send(2, 0, 5, 1, 20);
    s.send(1, 0, 5, 1, 20);
    let m = s.model();
    assert_eq!(m.pending_receives().count(), 0);
    let by_id: Vec<_> = m.messages().map(|x| (x.id.from, x.state)).collect();
    assert_eq!(by_id, [(1, MsgState::Unexpected), (2, MsgState::InFlight)]);
    s.end_received(0, &recv, &[(recv.id, from2)]);
    let m = s.model();
    let by_id: Vec<_> = m.messages().map(|x| (x.id.from, x.state)).collect();
    assert_eq!(by_id, [(1, MsgState::Unexpected), (2, MsgState::Delivered)]);
}

#[test]
fn isend_irecv_and_waitall() {
    let mut s = Script::new("ring", 2);
    // Both ranks: irecv from the other, isend to the other, waitall.
    let mut calls = Vec::new();
    for r in 0..2 {
        let peer = 1 - r;
        let ir = s.recv_call(Op::Irecv, r, Source::Rank(peer), TagSel::Tag(1), 10, 30);
        s.begin(r, &ir);
        s.end(r, &ir);
        let is = s.send_call(Op::Isend, r, peer, 1, 10, 31);
        s.begin(r, &is);
        s.end(r, &is);
        let w = s.wait_call(Op::Waitall, r, &[ir.id, is.id], 32);
        s.begin(r, &w);
        calls.push((ir, is, w));
    }
    let m = s.model();
    assert_eq!(m.ranks()[0].requests.len(), 2);
    assert_eq!(words::rank_state(&m.ranks()[0]), "waiting in waitall");
    assert_eq!(
        m.pending_receives().count(),
        0,
        "both irecvs have a message"
    );
    assert!(m.deadlock().is_none());
    for (r, (ir, is, w)) in calls.iter().enumerate() {
        let id = is.send.as_ref().unwrap().msg;
        let got = crate::trace::MsgId {
            from: id.to,
            to: id.from,
            ..id
        };
        s.end_received(r as u32, w, &[(ir.id, got)]);
    }
    let m = s.model();
    assert!(m.ranks().iter().all(|r| r.requests.is_empty()));
    assert_eq!(msg_states(&m), [MsgState::Delivered, MsgState::Delivered]);
    assert_eq!(m.pending_receives().count(), 0);
}

#[test]
fn waitall_on_an_unsatisfiable_irecv_deadlocks() {
    let mut s = Script::new("ring", 2);
    for r in 0..2 {
        let ir = s.recv_call(Op::Irecv, r, Source::Rank(1 - r), TagSel::Tag(1), 10, 30);
        s.begin(r, &ir);
        s.end(r, &ir);
        let w = s.wait_call(Op::Wait, r, &[ir.id], 32);
        s.begin(r, &w);
    }
    let d = s.model().deadlock().expect("deadlock");
    assert_eq!(d.ranks, [0, 1]);
    assert_eq!(
        words::stuck_call(&d.cycle[0]),
        "wait(irecv #0 from 1, tag 1)"
    );
}

#[test]
fn collectives_arrive_one_by_one() {
    let mut s = Script::new("bcast", 3);
    let calls = s.collective(Op::Bcast, Some(0), &[0, 1, 2], 12);
    s.begin(1, &calls[1]);
    let m = s.model();
    assert_eq!(words::rank_state(&m.ranks()[1]), "in bcast (root 0)");
    assert!(
        m.deadlock().is_none(),
        "ranks 0 and 2 have not started: they can still come"
    );
    s.begin(0, &calls[0]);
    s.finish(2);
    let d = s
        .model()
        .deadlock()
        .expect("rank 2 finished without the bcast");
    assert_eq!(d.ranks, [0, 1]);
    assert_eq!(d.dead_end, Some(2));
    assert!(
        words::deadlock_chain(&d).ends_with("waits for rank 2, which has ended"),
        "{}",
        words::deadlock_chain(&d)
    );

    let mut s = Script::new("bcast", 3);
    let calls = s.collective(Op::Bcast, Some(0), &[0, 1, 2], 12);
    for (r, c) in calls.iter().enumerate() {
        s.begin(r as u32, c);
    }
    assert!(s.model().deadlock().is_none(), "all arrived");
    for (r, c) in calls.iter().enumerate() {
        s.end(r as u32, c);
    }
    let m = s.model();
    assert!(m.collectives.is_empty());
    assert_eq!(states(&m), ["running", "running", "running"]);
}

#[test]
fn head_to_head_receives_deadlock() {
    let d = head_to_head().model().deadlock().expect("deadlock");
    assert_eq!(d.ranks, [0, 1]);
    assert_eq!(
        words::deadlock_chain(&d),
        "rank 0 recv(from 1, tag 7) lessons/deadlock.rs:14 waits for rank 1 recv(from 0, tag 7) lessons/deadlock.rs:20 waits for rank 0"
    );
    assert_eq!(d.cycle[0].waits_for, 1);
    assert_eq!(d.cycle[1].peer, Some(Source::Rank(0)));
}

/// The commonest deadlock in a class: a receive for a tag (or a source)
/// nobody sends, beside the message that was sent.
#[test]
fn a_message_no_receive_takes_is_named_with_what_the_receive_asks_for() {
    let mut s = Script::new("send_recv", 3);
    s.send(0, 1, 13, 100, 20);
    s.send(2, 1, 5, 1, 30);
    s.finish(0);
    s.finish(2);
    s.recv(1, Source::Rank(0), TagSel::Tag(14), 100, 26);
    let m = s.model();
    let d = m.deadlock().expect("rank 1 waits forever");
    let sent: Vec<_> = d
        .unreceived
        .iter()
        .map(|u| (u.msg.from, u.msg.tag))
        .collect();
    assert_eq!(sent, [(0, 13), (2, 5)], "both, in send order");
    assert_eq!(
        words::unreceived(&d.unreceived[0]),
        "rank 0 sent rank 1 a message with tag 13 (lessons/send_recv.rs:20) \
         that no receive takes: rank 1's recv asks for tag 14"
    );
    assert_eq!(
        words::unreceived(&d.unreceived[1]),
        "rank 2 sent rank 1 a message with tag 5 (lessons/send_recv.rs:30) \
         that no receive takes: rank 1's recv asks for rank 0, tag 14"
    );
    // The right tag from the wrong rank.
    let mut s = Script::new("send_recv", 3);
    s.send(0, 1, 13, 100, 20);
    s.finish(0);
    s.finish(2);
    s.recv(1, Source::Rank(2), TagSel::Tag(13), 100, 26);
    let d = s
        .model()
        .deadlock()
        .expect("rank 1 waits for rank 2, ended");
    let said = words::unreceived(&d.unreceived[0]);
    assert!(
        said.ends_with("rank 1's recv asks for a message from rank 2"),
        "{said}"
    );
    // A wait names the receive it waits on.
    let mut s = Script::new("send_recv", 2);
    s.send(0, 1, 13, 100, 20);
    s.finish(0);
    let irecv = s.recv_call(Op::Irecv, 1, Source::Rank(0), TagSel::Tag(14), 100, 25);
    s.begin(1, &irecv);
    s.end(1, &irecv);
    let wait = s.wait_call(Op::Wait, 1, &[irecv.id], 26);
    s.begin(1, &wait);
    let d = s.model().deadlock().expect("rank 1 waits on its irecv");
    let said = words::unreceived(&d.unreceived[0]);
    let asks = format!("rank 1's irecv #{} asks for tag 14", irecv.id);
    assert!(said.ends_with(&asks), "{said}");
}

/// A rank stuck outside the cycle is explained as well: ranks 0 and 1 wait
/// for each other, rank 2 for rank 0 with the wrong tag.
#[test]
fn an_unreceived_message_outside_the_cycle_says_what_its_receive_asks() {
    let mut s = Script::new("deadlock", 4);
    s.recv(0, Source::Rank(1), TagSel::Tag(7), 10, 14);
    s.recv(1, Source::Rank(0), TagSel::Tag(7), 10, 20);
    s.send(3, 2, 13, 1, 30);
    s.finish(3);
    s.recv(2, Source::Rank(0), TagSel::Tag(14), 1, 26);
    let d = s.model().deadlock().expect("deadlock");
    assert!(d.cycle.iter().all(|w| w.rank != 2), "{:?}", d.cycle);
    let said = words::unreceived(&d.unreceived[0]);
    assert!(
        said.ends_with("rank 2's recv asks for rank 0, tag 14"),
        "{said}"
    );
}

/// Only a message nobody will take is named: not one a receive takes,
/// nor a blocked send's own, which the cycle names.
#[test]
fn a_message_on_its_way_or_still_being_sent_is_not_named_unreceived() {
    // Receiving the message that came is no deadlock: none is named.
    let mut s = Script::new("send_recv", 2);
    s.send(0, 1, 13, 100, 20);
    s.recv(1, Source::Rank(0), TagSel::Tag(13), 100, 26);
    assert!(s.model().deadlock().is_none());
    // A head-to-head deadlock has no message waiting.
    let d = head_to_head().model().deadlock().expect("deadlock");
    assert!(d.unreceived.is_empty());
    // Nor has a ring of blocked sends: each message is its sender's call,
    // which the cycle names.
    let mut s = Script::new("ring", 2);
    s.send(0, 1, 0, 1 << 20, 40);
    s.send(1, 0, 0, 1 << 20, 40);
    let d = s.model().deadlock().expect("deadlock");
    assert!(d.unreceived.is_empty(), "{:?}", d.unreceived);
}

/// A synchronous send (`--sync-sends`) for tag 13 waits for its receive,
/// which asks for 14: its message is named, with what the receive asks.
#[test]
fn a_blocked_send_a_receive_does_not_take_is_named() {
    let mut s = Script::new("send_recv", 2);
    let send = s.send_call(Op::Ssend, 0, 1, 13, 100, 20);
    s.begin(0, &send);
    s.recv(1, Source::Rank(0), TagSel::Tag(14), 100, 26);
    let d = s.model().deadlock().expect("each waits for the other");
    let said: Vec<String> = (d.unreceived.iter()).map(words::unreceived).collect();
    assert_eq!(
        said,
        [
            "rank 0 sent rank 1 a message with tag 13 (lessons/send_recv.rs:20) \
          that no receive takes: rank 1's recv asks for tag 14"
        ]
    );
}

#[test]
fn a_ring_of_blocking_sends_deadlocks() {
    let mut s = Script::new("ring", 3);
    for r in 0..3 {
        s.send(r, (r + 1) % 3, 0, 1 << 20, 40);
    }
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Unexpected; 3]);
    let d = m.deadlock().expect("deadlock");
    assert_eq!(d.ranks, [0, 1, 2]);
    let order: Vec<_> = d.cycle.iter().map(|w| w.rank).collect();
    assert_eq!(order, [0, 1, 2]);
    assert_eq!(words::stuck_call(&d.cycle[2]), "send(to 0, tag 0)");
    assert_eq!(words::rank_state(&m.ranks()[2]), "waiting in send to 0");
    // Rank 1 posts its receive instead: everything can move.
    let mut s = Script::new("ring", 3);
    s.send(0, 1, 0, 1 << 20, 40);
    s.recv(1, Source::Rank(0), TagSel::Tag(0), 1 << 20, 41);
    s.send(2, 0, 0, 1 << 20, 40);
    assert!(s.model().deadlock().is_none());
}

#[test]
fn no_deadlock_while_someone_can_still_act() {
    // A paused rank is never deadlocked, and releases whoever waits for it.
    let mut s = Script::new("deadlock", 2);
    s.recv(0, Source::Rank(1), TagSel::Tag(7), 10, 14);
    let c = s.recv_call(Op::Recv, 1, Source::Rank(0), TagSel::Tag(7), 10, 20);
    s.held(1, &c);
    assert!(s.model().deadlock().is_none());
    // The sender is still running.
    let mut s = Script::new("send_recv", 2);
    s.say(0, "thinking");
    s.recv(1, Source::Rank(0), TagSel::Tag(13), 10, 27);
    assert!(s.model().deadlock().is_none());
    // A wildcard receive with one live sender among finished ones.
    let mut s = Script::new("gather", 4);
    s.recv(0, Source::Any, TagSel::Any, 1, 10);
    s.finish(1);
    s.finish(2);
    s.say(3, "still computing");
    assert!(s.model().deadlock().is_none());
    s.finish(3);
    let d = s.model().deadlock().expect("nobody left to send");
    assert_eq!(d.ranks, [0]);
    assert_eq!(d.dead_end, Some(1));
}

#[test]
fn summary_counts_bytes_per_pair_and_waiting_time() {
    let m = send_recv("done").model();
    let sum = m.summary();
    assert_eq!(
        sum.pairs,
        [PairStats {
            from: 0,
            to: 1,
            messages: 1,
            bytes: 800
        }]
    );
    assert_eq!((sum.checks_passed(), sum.checks_failed()), (1, 0));
    assert_eq!(
        sum.outcome,
        Some((Outcome::Completed, "all 5 ranks finished".into()))
    );
    // Rank 1 waited in recv from 0.000410 to 1.250400; rank 0 in send for 180 us.
    assert!((sum.waited[1] - 1.249_99).abs() < 1e-9, "{}", sum.waited[1]);
    assert!((sum.waited[0] - 0.000_18).abs() < 1e-9, "{}", sum.waited[0]);
    assert_eq!(sum.waited[2], 0.0);
    // A wait in progress counts up to the latest event.
    let m = send_recv("pending").model();
    assert!((m.summary().waited[1] - (m.now() - 0.000_41)).abs() < 1e-12);
}

#[test]
fn time_held_by_the_tutor_is_counted_apart_from_waiting() {
    // Rank 0 was held before its send from 0.000400 until it began at 1.25.
    let sum = send_recv("done").model().summary();
    assert!((sum.held[0] - 1.249_6).abs() < 1e-9, "{}", sum.held[0]);
    assert_eq!(sum.held[1], 0.0, "rank 1 was never held");
    assert!(
        sum.waited[0] < 0.001,
        "the hold is not a wait: {}",
        sum.waited[0]
    );
    // A hold in progress counts up to the latest event, and is no wait.
    let m = send_recv("pending").model();
    let sum = m.summary();
    assert!((sum.held[0] - (m.now() - 0.000_4)).abs() < 1e-12);
    assert_eq!(sum.waited[0], 0.0);
    // The space-time diagram and the export get the hold as a span.
    let m = send_recv("done").model();
    let holds: Vec<_> = m.timeline().held_spans(0).collect();
    assert_eq!(holds.len(), 1);
    assert_eq!((holds[0].start, holds[0].end), (0.000_4, Some(1.25)));
    assert_eq!(holds[0].call.op, Op::Send);
}

#[test]
fn duplicates_are_ignored_and_late_events_do_not_rewind() {
    let s = send_recv("done");
    let mut m = Model::new(s.header.clone());
    for e in &s.events {
        m.apply(e);
        m.apply(e);
    }
    assert_eq!(m.events_applied(), s.events.len() as u64);
    assert_eq!(m.summary().total_messages(), 1);
    assert!(m.all_done());
    // A stale Say arriving late goes to the log but does not change state.
    let stale = Event {
        rank: 1,
        seq: 99,
        t: 2.0,
        event: EventKind::Say { text: "new".into() },
    };
    m.apply(&stale);
    let older = Event {
        rank: 1,
        seq: 50,
        t: 2.0,
        event: EventKind::Say { text: "old".into() },
    };
    m.apply(&older);
    assert_eq!(m.ranks()[1].said.as_deref(), Some("new"));
    assert_eq!(m.recent().count(), s.events.len() + 2);
    assert_eq!(m.now(), 2.0);
}

#[test]
fn a_recorded_send_recv_run_replays_to_its_end() {
    // Recorded from the real program: 5 ranks, paused, rank 1's receive
    // released before rank 0's send.
    let path = format!(
        "{}/tests/fixtures/send_recv.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let trace = crate::trace::read_trace(std::path::Path::new(&path)).unwrap();
    let mut m = Model::new(trace.header);
    let mut saw_pending = false;
    for e in &trace.events {
        m.apply(e);
        saw_pending |= m.pending_receives().any(|p| p.rank == 1);
    }
    assert!(saw_pending, "rank 1 waited in its receive before the send");
    assert_eq!(m.ranks().len(), 5);
    assert!(m.all_done());
    assert_eq!(m.events_applied(), trace.events.len() as u64);
    let s = m.summary();
    assert_eq!(s.total_messages(), 1);
    assert_eq!(s.checks_passed(), 1);
    assert!(m.deadlock().is_none());
}

fn any_event(world: u32) -> impl Strategy<Value = Event> {
    let s = send_recv("done");
    let mut pool = s.events.clone();
    pool.extend(head_to_head().events);
    let mut ring = Script::new("ring", 3);
    for r in 0..3 {
        let (c, _) = ring.send(r, (r + 1) % 3, 0, 8, 40);
        ring.end(r, &c);
    }
    let bc = ring.collective(Op::Barrier, None, &[0, 1, 2], 50);
    for (r, c) in bc.iter().enumerate() {
        ring.begin(r as u32, c);
        ring.end(r as u32, c);
    }
    pool.extend(ring.events);
    let n = pool.len();
    (0..n, 0..world + 2, 0u64..40, -1.0f64..5.0).prop_map(move |(i, rank, seq, t)| {
        let mut e = pool[i].clone();
        // Sometimes keep the event as it was, sometimes scramble who and when.
        if seq % 3 != 0 {
            e.rank = rank;
            e.seq = seq;
            e.t = t;
        }
        e
    })
}

proptest! {
    #[test]
    fn arbitrary_events_never_panic(events in prop::collection::vec(any_event(5), 0..300)) {
        let mut m = Model::new(crate::trace::Header::new("x", 5, "t", 0.0));
        for e in &events {
            m.apply(e);
            m.apply(e);
        }
        prop_assert!(m.events_applied() <= events.len() as u64);
        prop_assert!(m.recent().count() <= HISTORY);
        let _ = m.deadlock().map(|d| words::deadlock_chain(&d));
        let _ = m.summary();
        let _ = m.pending_receives().count();
        // The timeline never draws a message backwards nor a call ending
        // before it began, whatever the clocks said.
        for l in m.timeline().links() {
            prop_assert!(l.received >= l.sent);
        }
        for r in 0..5 {
            for s in m.timeline().spans(r) {
                prop_assert!(s.end.is_none_or(|e| e >= s.start));
            }
        }
        for r in m.ranks() {
            let _ = (
                words::rank_state(r),
                words::rank_state_short(r),
                words::rank_state_tiny(r),
            );
        }
    }
}

#[test]
fn history_is_bounded() {
    let mut m = Model::new(crate::trace::Header::new("x", 1, "t", 0.0));
    for seq in 0..(HISTORY as u64 + 50) {
        m.apply(&Event {
            rank: 0,
            seq,
            t: seq as f64,
            event: EventKind::Say { text: "hi".into() },
        });
    }
    assert_eq!(m.recent().count(), HISTORY);
    assert_eq!(m.recent().next().unwrap().seq, 50);
    assert_eq!(m.events_applied(), HISTORY as u64 + 50);
}

/// Every message a receive took, by the End (or late `Matched`) that says so.
fn taken_by(e: &Event) -> Vec<crate::trace::MsgId> {
    match &e.event {
        EventKind::End(end) => end.received.iter().filter_map(|r| r.msg).collect(),
        EventKind::Matched { msg, .. } => vec![*msg],
        _ => vec![],
    }
}

#[test]
fn in_flight_ends_when_the_receive_completes() {
    // Real runs: blocking receives (send_recv, ring, halo on 8 ranks), and
    // irecvs completed by test and by waitall (nonblocking).
    for name in ["send_recv", "ring", "halo8", "nonblocking"] {
        let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
        let trace = crate::trace::read_trace(std::path::Path::new(&path)).unwrap();
        let mut m = Model::new(trace.header);
        let mut taken = std::collections::BTreeSet::new();
        for e in &trace.events {
            m.apply(e);
            taken.extend(taken_by(e));
            for msg in m.messages().filter(|x| taken.contains(&x.id)) {
                assert_eq!(msg.state, MsgState::Delivered, "{name}: {e:?}");
                assert!(msg.delivered_at.is_some(), "{name}: {e:?}");
            }
            let flying: Vec<_> = m.timeline().unreceived().map(|(id, ..)| id).collect();
            assert!(
                flying.iter().all(|id| !taken.contains(id)),
                "{name}: {e:?} leaves {flying:?} on the space-time diagram"
            );
        }
        assert!(!taken.is_empty(), "{name} received messages");
        assert!(
            m.messages().all(|x| x.state == MsgState::Delivered),
            "{name}"
        );
    }
}

#[test]
fn a_receive_completed_by_test_or_a_late_match_ends_its_flight() {
    let mut s = Script::new("pool", 3);
    let ir = s.recv_call(Op::Irecv, 1, Source::Rank(0), TagSel::Tag(1), 10, 30);
    s.begin(1, &ir);
    s.end(1, &ir);
    let (send, id) = s.send(0, 1, 1, 10, 31);
    s.end(0, &send);
    let test = s.wait_call(Op::Test, 1, &[ir.id], 32);
    s.begin(1, &test);
    assert_eq!(msg_states(&s.model()), [MsgState::InFlight]);
    s.end_with(
        1,
        &test,
        vec![crate::trace::Received {
            call: ir.id,
            source: 0,
            tag: 1,
            bytes: 80,
            msg: Some(id),
        }],
        Some(true),
    );
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Delivered]);
    assert!(m.ranks()[1].requests.is_empty());
    assert_eq!(m.timeline().unreceived().count(), 0);

    // A wildcard receive that completed before its message could be named:
    // the late `Matched` ends the flight.
    let any = s.recv(0, Source::Any, TagSel::Any, 1, 40);
    let (send, id) = s.send(2, 0, 5, 1, 41);
    s.end(2, &send);
    s.end_unnamed(0, &any, any.id, 2, 5);
    s.matched(0, any.id, id);
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Delivered, MsgState::Delivered]);
    assert_eq!(m.timeline().unreceived().count(), 0);
}

#[test]
fn a_receive_that_cannot_name_its_message_yet_still_ends_its_flight() {
    // Rank 1 posts a wildcard irecv, then one from rank 0 tag 1; rank 0
    // sends twice on tag 1. The second receive completes first, but while
    // the wildcard is open the recorder cannot say which of the two it took.
    let mut s = Script::new("pool", 2);
    let any = s.recv_call(Op::Irecv, 1, Source::Any, TagSel::Any, 1, 10);
    let from0 = s.recv_call(Op::Irecv, 1, Source::Rank(0), TagSel::Tag(1), 1, 11);
    for c in [&any, &from0] {
        s.begin(1, c);
        s.end(1, c);
    }
    let (first, k0) = s.send(0, 1, 1, 1, 20);
    s.end(0, &first);
    let (second, k1) = s.send(0, 1, 1, 1, 21);
    s.end(0, &second);
    assert_eq!(msg_states(&s.model()), [MsgState::InFlight; 2]);
    let wait = s.wait_call(Op::Wait, 1, &[from0.id], 12);
    s.begin(1, &wait);
    s.end_unnamed(1, &wait, from0.id, 0, 1);
    let m = s.model();
    let by_k: Vec<_> = m.messages().map(|x| (x.id.k, x.state)).collect();
    // k0 is the wildcard's (still posted), k1 arrived: none "no recv yet".
    assert_eq!(by_k, [(0, MsgState::InFlight), (1, MsgState::Delivered)]);
    let wait_any = s.wait_call(Op::Wait, 1, &[any.id], 13);
    s.begin(1, &wait_any);
    s.end_received(1, &wait_any, &[(any.id, k0)]);
    s.matched(1, from0.id, k1);
    let m = s.model();
    assert_eq!(msg_states(&m), [MsgState::Delivered; 2]);
    assert_eq!(m.pending_receives().count(), 0);
    assert_eq!(m.summary().total_messages(), 2);
}
