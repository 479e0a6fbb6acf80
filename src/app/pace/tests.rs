use super::*;
use crate::model::fixtures::Script;
use crate::trace::{Op, Source, TagSel};

/// Rank 0 about to send to rank 1, which is about to receive from it.
fn send_and_recv() -> (Call, Call) {
    let mut s = Script::new("send_recv", 2);
    let send = s.send_call(Op::Send, 0, 1, 13, 1, 11);
    let recv = s.recv_call(Op::Recv, 1, Source::Rank(0), TagSel::Tag(13), 1, 16);
    (send, recv)
}

/// A paused pacer that has seen rank 0 stop before its send and rank 1
/// before its receive.
fn both_held() -> Pacer {
    let (send, recv) = send_and_recv();
    let mut p = Pacer::new(PaceMode::Paused, 2.0);
    p.held(0, &send);
    p.held(1, &recv);
    p
}

#[test]
fn the_ranks_are_told_the_mode_and_their_own_time_per_call() {
    let mut p = Pacer::new(PaceMode::Paced, 2.0);
    assert_eq!(p.control(), Control::Paced(Duration::from_millis(500)));
    p.faster();
    assert_eq!(p.control(), Control::Paced(Duration::from_millis(250)));
    p.mode = PaceMode::Paused;
    assert_eq!(p.control(), Control::Gated);
    p.mode = PaceMode::Free;
    assert_eq!(p.control(), Control::Free);
}

#[test]
fn a_tick_lets_receivers_go_first_and_senders_once_they_are_seen() {
    let mut p = both_held();
    let t0 = Instant::now();
    p.held(2, &send_and_recv().1);
    assert_eq!(p.step(None, t0), vec![1, 2], "the receives first");
    assert!(p.due(t0).is_empty(), "the send waits to see them");
    p.moved(1);
    assert!(p.due(t0).is_empty(), "rank 2 not seen yet");
    p.moved(2);
    assert_eq!(p.due(t0), vec![0], "then the send");
    assert!(p.waiting().next().is_none());
}

#[test]
fn a_tick_does_not_wait_forever_for_a_rank_slow_to_start_its_call() {
    let mut p = both_held();
    let t0 = Instant::now();
    assert_eq!(p.step(None, t0), vec![1]);
    assert_eq!(p.due(t0 + TICK_PATIENCE), vec![0]);
}

#[test]
fn stepping_again_finishes_the_tick_under_way() {
    let mut p = both_held();
    let t0 = Instant::now();
    assert_eq!(p.step(None, t0), vec![1]);
    assert_eq!(p.step(None, t0), vec![0]);
    assert!(p.due(t0 + TICK_PATIENCE).is_empty(), "nothing let go twice");
}

#[test]
fn a_chosen_rank_steps_alone_and_only_when_held() {
    let mut p = both_held();
    let t0 = Instant::now();
    assert_eq!(p.step(Some(0), t0), vec![0], "a send may go alone");
    assert_eq!(p.step(Some(0), t0), Vec::<u32>::new(), "not held now");
    assert_eq!(p.step(None, t0), vec![1]);
}

#[test]
fn envelopes_cross_faster_at_faster_paces_but_stay_visible() {
    let flight = |speed| Pacer::new(PaceMode::Paced, speed).flight().as_secs_f64();
    assert_eq!(flight(DEFAULT_SPEED), view::FLIGHT_SECONDS);
    assert_eq!(
        flight(0.25),
        view::FLIGHT_SECONDS,
        "slow paces keep a second"
    );
    assert_eq!(flight(8.0), 0.25);
    // At every pace a message lands within two of its receiver's calls.
    for speed in SPEEDS {
        assert!(flight(speed) <= (2.0 / speed).max(MIN_FLIGHT), "{speed}");
        assert!(flight(speed) >= MIN_FLIGHT, "{speed}");
    }
}

#[test]
fn speed_moves_along_a_ladder() {
    let mut p = Pacer::new(PaceMode::Paced, 2.0);
    p.faster();
    assert_eq!(p.speed, 4.0);
    p.slower();
    p.slower();
    assert_eq!(p.speed, 1.0);
    assert_eq!(crate::view::pace_words(false, p.speed), "1 calls/s");
}
