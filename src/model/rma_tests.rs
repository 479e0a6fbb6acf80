//! One-sided transfers in the model: in flight from the put or get until
//! the origin's fence ends, the target's window shown as its fence saw it.

use super::Model;
use crate::model::MsgState;
use crate::trace::{
    Call, CallEnd, CollectivePart, Event, EventKind, Header, Op, RmaPart, Site, Values,
};

fn call(id: u64, op: Op, rma: Option<RmaPart>, collective: bool) -> Box<Call> {
    Box::new(Call {
        id,
        op,
        comm: 0,
        send: None,
        recv: None,
        collective: collective.then(|| CollectivePart {
            root: None,
            instance: id,
            count: 2,
            datatype: "f64".into(),
            bytes: 16,
            members: 2,
            values: None,
            reduce: None,
        }),
        requests: Vec::new(),
        site: Site {
            file: "lessons/one_sided.rs".into(),
            line: 10 + id as u32,
        },
        name: None,
        shift: None,
        probe: None,
        rma,
    })
}

fn end(id: u64, op: Op, values: Option<&str>) -> EventKind {
    EventKind::End(CallEnd {
        values: values.map(Values::from),
        ..CallEnd::bare(id, op)
    })
}

fn event(rank: u32, seq: u64, t: f64, event: EventKind) -> Event {
    Event {
        rank,
        seq,
        t,
        event,
    }
}

/// Rank 1 puts [7.0, 8.0] into rank 0's window; both fence.
fn put_then_fence() -> Vec<Event> {
    let put = RmaPart {
        target: 0,
        disp: 0,
        count: 2,
        datatype: "f64".into(),
        bytes: 16,
        values: Some("[7.0, 8.0]".into()),
    };
    vec![
        event(
            1,
            0,
            0.1,
            EventKind::Begin(call(0, Op::Put, Some(put), false)),
        ),
        event(1, 1, 0.1, end(0, Op::Put, None)),
        event(0, 0, 0.2, EventKind::Begin(call(0, Op::Fence, None, true))),
        event(1, 2, 0.2, EventKind::Begin(call(1, Op::Fence, None, true))),
        event(0, 1, 0.3, end(0, Op::Fence, Some("[7.0, 8.0]"))),
        event(1, 3, 0.3, end(1, Op::Fence, Some("[-1.0, -1.0]"))),
    ]
}

#[test]
fn a_put_travels_into_the_target_window_until_the_fence() {
    let events = put_then_fence();
    let mut model = Model::new(Header::new("one-sided", 2, "Test MPI", 0.0));
    // The put returned, yet its data is still on its way: MPI promises it
    // only at the fence.
    for e in &events[..2] {
        model.apply(e);
    }
    let transfers: Vec<_> = model.transfers().collect();
    assert_eq!(transfers.len(), 1);
    let put = transfers[0];
    assert_eq!((put.id.from, put.id.to), (1, 0), "origin 1 into target 0");
    assert_eq!(put.state, MsgState::InFlight);
    assert_eq!(put.values, Some(Values::from("[7.0, 8.0]")));
    // Rank 0 never called anything for it, and the flows show it too.
    assert!(model.flows().any(|m| m.id.from == 1 && m.id.to == 0));
    for e in &events[2..] {
        model.apply(e);
    }
    let put = model.transfers().next().unwrap();
    assert_eq!(put.state, MsgState::Delivered);
    assert_eq!(put.delivered_at, Some(0.3));
    assert_eq!(model.window(0), Some(&Values::from("[7.0, 8.0]")));
    assert_eq!(model.window(1), Some(&Values::from("[-1.0, -1.0]")));
}

#[test]
fn a_get_moves_data_from_the_target_to_the_origin() {
    let get = RmaPart {
        target: 1,
        disp: 0,
        count: 2,
        datatype: "f64".into(),
        bytes: 16,
        values: None,
    };
    let mut model = Model::new(Header::new("one-sided", 2, "Test MPI", 0.0));
    model.apply(&event(
        0,
        0,
        0.1,
        EventKind::Begin(call(0, Op::Get, Some(get), false)),
    ));
    let got = model.transfers().next().unwrap();
    assert_eq!(
        (got.id.from, got.id.to),
        (1, 0),
        "from target 1 to origin 0"
    );
    // Another rank's fence does not complete rank 0's get.
    model.apply(&event(
        1,
        0,
        0.2,
        EventKind::Begin(call(0, Op::Fence, None, true)),
    ));
    model.apply(&event(1, 1, 0.3, end(0, Op::Fence, None)));
    assert_eq!(model.transfers().next().unwrap().state, MsgState::InFlight);
}
