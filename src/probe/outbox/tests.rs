use super::*;
use crate::trace::EventKind;
use std::time::Instant;

fn say(seq: u64) -> Event {
    Event {
        rank: 1,
        seq,
        t: 0.0,
        event: EventKind::Say {
            text: format!("event {seq}"),
        },
    }
}

/// An event longer than the 64-byte rings below: it goes beside them.
fn too_big_for_the_ring(seq: u64) -> Event {
    Event {
        event: EventKind::Say {
            text: "x".repeat(100),
        },
        ..say(seq)
    }
}

/// Takes until closed, as the reporter does; returns the seq numbers.
fn take_all(mut inbox: Inbox, taken: Arc<AtomicU64>) -> Vec<u64> {
    let (mut batch, mut seen) = (Vec::new(), Vec::new());
    loop {
        let t = inbox.take(&mut batch, Duration::from_micros(20));
        taken.fetch_add(1, Ordering::SeqCst);
        match t {
            Taken::Closed => return seen,
            Taken::Nothing => {}
            Taken::Bytes => {
                let events = wire::decode(&batch).unwrap();
                seen.extend(events.into_iter().map(|e| e.seq));
                batch.clear();
            }
        }
    }
}

/// The race that once hung a run at its end: the draining thread emptied
/// the queue, the recording thread queued its last events and closed, and
/// the draining thread, seeing "closed" and an empty batch, quit without
/// them. The last events land at a different moment of the draining
/// thread's loop each round.
#[test]
fn every_event_queued_before_close_is_taken() {
    for round in 0..300u64 {
        let (mut outbox, inbox) = outbox(1 << 16, 1 << 16);
        let takes = Arc::new(AtomicU64::new(0));
        let counted = takes.clone();
        let reporter = std::thread::spawn(move || take_all(inbox, counted));
        while takes.load(Ordering::SeqCst) == 0 {
            std::hint::spin_loop();
        }
        let phase = Instant::now();
        while phase.elapsed() < Duration::from_nanos(round * 997 % 200_000) {
            std::hint::spin_loop();
        }
        let n = 1 + round % 3;
        for seq in 0..n {
            outbox.report(&say(seq), seq + 1 == n);
        }
        outbox.close();
        assert_eq!(reporter.join().unwrap(), (0..n).collect::<Vec<_>>());
    }
}

/// A ring much smaller than what is reported: the recording thread waits
/// for room, counts that it did, and nothing is lost or reordered.
#[test]
fn a_full_ring_makes_the_recording_thread_wait_and_loses_nothing() {
    let (mut outbox, inbox) = outbox(256, 256);
    let reporter = std::thread::spawn(move || take_all(inbox, Arc::default()));
    for seq in 0..5_000 {
        outbox.report(&say(seq), false);
    }
    outbox.close();
    assert_eq!(reporter.join().unwrap(), (0..5_000).collect::<Vec<_>>());
    assert!(outbox.throttled() > 0);
}

/// Events that go beside the ring (too big for it, or reported by the
/// panic hook) come out where they were reported.
#[test]
fn events_beside_the_ring_keep_their_place() {
    let (mut outbox, mut inbox) = outbox(64, 64);
    let big = too_big_for_the_ring(1);
    outbox.report(&say(0), false);
    outbox.report(&big, false);
    outbox.report(&say(2), false);
    outbox.handle().report(&say(3));
    let mut batch = Vec::new();
    assert_eq!(inbox.take(&mut batch, Duration::ZERO), Taken::Bytes);
    let seqs: Vec<u64> = wire::decode(&batch)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [0, 1, 2, 3]);
    outbox.close();
    batch.clear();
    assert_eq!(inbox.take(&mut batch, Duration::ZERO), Taken::Closed);
}

/// A failing rank waits until rank 0 has its failure: not before its
/// events (in the ring and beside it) are handed on, and at once after,
/// even while the draining thread is already waiting for the next batch
/// (it is nearly always: a waiter that read its state as "busy" never saw
/// the delivery, and the rank ended the job itself).
#[test]
fn handed_on_is_seen_only_once_everything_queued_is_handed_on() {
    let (mut outbox, mut inbox) = outbox(64, 64);
    let big = too_big_for_the_ring(1);
    outbox.report(&say(0), false);
    outbox.report(&big, false);
    let mut batch = Vec::new();
    assert_eq!(inbox.take(&mut batch, Duration::ZERO), Taken::Bytes);
    assert!(
        !outbox.wait_handed_on(Duration::ZERO),
        "taken, not handed on"
    );
    inbox.handed_on();
    assert!(outbox.wait_handed_on(Duration::ZERO));
    outbox.handle().report(&say(2));
    assert!(
        !outbox.wait_handed_on(Duration::ZERO),
        "one beside the ring"
    );
    batch.clear();
    assert_eq!(inbox.take(&mut batch, Duration::ZERO), Taken::Bytes);
    inbox.handed_on();
    let draining = std::thread::spawn(move || {
        let mut batch = Vec::new();
        // Waits for more, which never comes, then stops at the close.
        while inbox.take(&mut batch, Duration::from_millis(1)) != Taken::Closed {}
    });
    assert!(outbox.wait_handed_on(Duration::from_secs(10)));
    outbox.close();
    draining.join().unwrap();
}
