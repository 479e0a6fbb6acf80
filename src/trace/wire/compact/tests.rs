//! Each compact record reads back as the very events the general records
//! carry.

use proptest::prelude::*;

use super::{Completing, Ended};
use crate::trace::wire::{decode, encode, encode_record};
use crate::trace::{Call, CallEnd, Event, EventKind, MsgId, Op, Received, Site};

/// What `event` reads back as through the general record.
fn through_general(event: Event) -> Vec<Event> {
    let mut bytes = Vec::new();
    encode(&event, &mut bytes);
    decode(&bytes).expect("the general record reads back")
}

fn site(line: u32) -> Site {
    Site {
        file: "stencil.c".into(),
        line,
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Wait),
        Just(Op::Waitall),
        Just(Op::Recv),
        Just(Op::Barrier)
    ]
}

fn received() -> impl Strategy<Value = Received> {
    let msg = (
        any::<u32>(),
        any::<u32>(),
        any::<i32>(),
        any::<u32>(),
        any::<u64>(),
    )
        .prop_map(|(from, to, tag, comm, k)| MsgId {
            from,
            to,
            tag,
            comm,
            k,
        });
    (
        any::<u64>(),
        any::<u32>(),
        any::<i32>(),
        any::<u64>(),
        proptest::option::of(msg),
    )
        .prop_map(|(call, source, tag, bytes, msg)| Received {
            call,
            source,
            tag,
            bytes,
            msg,
        })
}

proptest! {
    #[test]
    fn a_completing_call_reads_back_as_its_begin(
        (rank, seq, t) in (any::<u32>(), 0u64..1 << 40, 0.0f64..1e6),
        (id, op, line) in (any::<u64>(), op(), any::<u32>()),
        requests in proptest::collection::vec(any::<u64>(), 0..9),
    ) {
        let site = site(line);
        let record = Completing { rank, seq, t, id, op, site: &site, requests: &requests };
        let mut bytes = Vec::new();
        encode_record(&record, &mut bytes);
        let mut call = Call::bare(id, op, 0, site.clone());
        call.requests = requests.clone();
        let event = Event { rank, seq, t, event: EventKind::Begin(Box::new(call)) };
        prop_assert_eq!(decode(&bytes).unwrap(), through_general(event));
    }

    #[test]
    fn an_ended_call_reads_back_as_its_end(
        (rank, seq, t) in (any::<u32>(), 0u64..1 << 40, 0.0f64..1e6),
        (id, op) in (any::<u64>(), op()),
        received in proptest::collection::vec(received(), 0..5),
    ) {
        let record = Ended { rank, seq, t, id, op, received: &received };
        let mut bytes = Vec::new();
        encode_record(&record, &mut bytes);
        let mut end = CallEnd::bare(id, op);
        end.received = received.clone();
        let event = Event { rank, seq, t, event: EventKind::End(end) };
        prop_assert_eq!(decode(&bytes).unwrap(), through_general(event));
    }
}

#[test]
fn a_compact_record_cut_short_is_refused_not_misread() {
    let received = [Received {
        call: 3,
        source: 1,
        tag: 7,
        bytes: 8,
        msg: None,
    }];
    let record = Ended {
        rank: 0,
        seq: 5,
        t: 0.5,
        id: 3,
        op: Op::Wait,
        received: &received,
    };
    let mut bytes = Vec::new();
    encode_record(&record, &mut bytes);
    for cut in 1..bytes.len() {
        assert!(
            decode(&bytes[..cut]).is_err(),
            "cut at {cut} of {}",
            bytes.len()
        );
    }
}
