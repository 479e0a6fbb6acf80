//! Probes and loops of polls in the model: what a polling rank shows, and
//! when it is stuck.

use super::fixtures::Script;
use crate::trace::{Op, Source, TagSel};
use crate::view::words;

/// Rank 1 in a loop of `polls` iprobes for rank 0's tag 1; rank 0 waits
/// in a receive from rank 1 (tag 2).
fn polling_for_a_message_never_sent(polls: u64) -> Script {
    let mut s = Script::new("poll_deadlock", 2);
    s.file = "poll_deadlock.c".into();
    s.recv(0, Source::Rank(1), TagSel::Tag(2), 1, 12);
    let first = s.probe_call(Op::Iprobe, 1, Source::Rank(0), TagSel::Tag(1), 17);
    s.poll(1, &first, false, 0);
    if polls > 1 {
        let again = s.probe_call(Op::Iprobe, 1, Source::Rank(0), TagSel::Tag(1), 17);
        s.poll(1, &again, false, polls);
    }
    s
}

#[test]
fn a_loop_of_iprobes_for_a_message_nobody_sends_is_a_deadlock() {
    let m = polling_for_a_message_never_sent(3412).model();
    assert_eq!(
        words::rank_state(&m.ranks()[1]),
        "polling in iprobe from 0, polled 3,412 times"
    );
    assert_eq!(words::rank_state_short(&m.ranks()[1]), "polling");
    let d = m
        .deadlock()
        .expect("rank 1 polls for what rank 0 never sends");
    assert_eq!(d.ranks, [0, 1]);
    assert_eq!(
        words::deadlock_chain(&d),
        "rank 0 recv(from 1, tag 2) poll_deadlock.c:12 waits for rank 1 iprobe(from 0, tag 1) \
         polled 3,412 times poll_deadlock.c:17 waits for rank 0"
    );
}

#[test]
fn a_lone_unanswered_poll_is_a_look_not_a_loop() {
    // One iprobe that found nothing may be a look between two pieces of
    // work: the rank is running until it is seen polling again.
    let m = polling_for_a_message_never_sent(1).model();
    assert_eq!(words::rank_state(&m.ranks()[1]), "running");
    assert!(m.deadlock().is_none());
}

#[test]
fn a_loop_of_polls_while_the_message_is_on_its_way_is_no_deadlock() {
    // Rank 0 sends what rank 1 polls for, then waits for its answer.
    let mut s = Script::new("poll", 2);
    s.file = "poll.c".into();
    s.send(0, 1, 1, 1, 11);
    s.recv(0, Source::Rank(1), TagSel::Tag(2), 1, 12);
    for polls in [0, 20] {
        let c = s.probe_call(Op::Iprobe, 1, Source::Rank(0), TagSel::Tag(1), 17);
        s.poll(1, &c, false, polls);
    }
    let m = s.model();
    assert_eq!(
        words::rank_state(&m.ranks()[1]),
        "polling in iprobe from 0, polled 20 times"
    );
    assert!(
        m.deadlock().is_none(),
        "rank 0's message is on its way to rank 1's iprobe"
    );
}

#[test]
fn the_poll_that_finds_ends_the_loop_with_its_count() {
    let mut s = polling_for_a_message_never_sent(50);
    let found = s.probe_call(Op::Iprobe, 1, Source::Rank(0), TagSel::Tag(1), 17);
    s.poll(1, &found, true, 51);
    let m = s.model();
    assert!(m.ranks()[1].polling.is_none());
    assert_eq!(words::rank_state(&m.ranks()[1]), "running");
    assert!(m.deadlock().is_none(), "it found its message: it goes on");
    let last = m.recent().last().expect("events");
    assert!(
        crate::trace::display::log_line(last)
            .ends_with("done     iprobe  complete  (polled 51 times)"),
        "{}",
        crate::trace::display::log_line(last)
    );
}

#[test]
fn polls_that_find_nothing_are_not_progress() {
    let mut s = polling_for_a_message_never_sent(2);
    let before = s.model().progress_events();
    for polls in [3, 4] {
        let again = s.probe_call(Op::Iprobe, 1, Source::Rank(0), TagSel::Tag(1), 17);
        s.poll(1, &again, false, polls);
    }
    let m = s.model();
    assert_eq!(m.progress_events(), before, "the receive's beginning only");
    // The receive's beginning, then four polls of two events each.
    assert_eq!(m.events_applied(), 1 + 4 * 2);
}

#[test]
fn a_probe_waits_like_a_receive() {
    let mut s = Script::new("probe_deadlock", 2);
    s.file = "probe_deadlock.c".into();
    for r in 0..2 {
        let p = s.probe_call(Op::Probe, r, Source::Rank(1 - r), TagSel::Tag(4), 13);
        s.begin(r, &p);
    }
    let m = s.model();
    assert_eq!(words::rank_state(&m.ranks()[0]), "waiting in probe");
    let d = m.deadlock().expect("each probes for the other's message");
    assert_eq!(
        words::deadlock_chain(&d),
        "rank 0 probe(from 1, tag 4) probe_deadlock.c:13 waits for rank 1 probe(from 0, tag 4) \
         probe_deadlock.c:13 waits for rank 0"
    );
    // A message from anyone is enough for a wildcard probe.
    let mut s = Script::new("probe", 3);
    let p = s.probe_call(Op::Probe, 0, Source::Any, TagSel::Any, 9);
    s.begin(0, &p);
    s.send(2, 0, 5, 1, 3);
    s.finish(1);
    assert!(s.model().deadlock().is_none(), "rank 2's message is there");
}

#[test]
fn a_loop_of_tests_on_a_receive_nobody_sends_is_a_deadlock() {
    let mut s = Script::new("nonblocking", 2);
    s.file = "testloop.c".into();
    let ir = s.recv_call(Op::Irecv, 0, Source::Rank(1), TagSel::Tag(3), 1, 20);
    s.begin(0, &ir);
    s.end(0, &ir);
    for polls in [0, 9] {
        let t = s.wait_call(Op::Test, 0, &[ir.id], 22);
        s.poll(0, &t, false, polls);
    }
    s.finish(1);
    let d = s.model().deadlock().expect("rank 1 ended without sending");
    assert_eq!(d.ranks, [0]);
    assert_eq!(d.dead_end, Some(1));
    assert_eq!(
        words::waiter(&d.cycle[0]),
        "rank 0 test(irecv #0 from 1, tag 3) polled 9 times testloop.c:22"
    );
}
