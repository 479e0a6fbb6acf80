//! The recorder driven through its public interface alone, as a hook in a C
//! program would drive it, with no MPI: its outbox is drained here and the
//! events decoded from the wire format rank 0 reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use proptest::prelude::*;

use super::{
    mark_tutor_thread, Arrival, CallSpec, Recorder, RecvSpec, SendSpec, SharedRecorder, StartSpec,
    StartedTransfer,
};
use crate::probe::outbox::{outbox, Inbox, Taken};
use crate::probe::pace::{Control, Gate};
use crate::trace::values::Raw;
use crate::trace::{wire, Event, EventKind, Op, Site, Source, TagSel, Values};

/// Takes the inbox until it is closed, decoding every batch.
fn drain(mut inbox: Inbox) -> JoinHandle<Vec<Event>> {
    std::thread::spawn(move || {
        let (mut batch, mut events) = (Vec::new(), Vec::new());
        while inbox.take(&mut batch, Duration::from_micros(50)) != Taken::Closed {
            events.extend(wire::decode(&batch).expect("batches decode"));
            batch.clear();
        }
        events
    })
}

fn site(line: u32) -> Site {
    Site {
        file: "program.c".into(),
        line,
    }
}

fn send_to_rank_1() -> SendSpec {
    SendSpec {
        dest: 1,
        tag: 7,
        count: 1,
        datatype: "MPI_INT".into(),
        bytes: 4,
    }
}

fn recv_from_rank_1() -> RecvSpec {
    RecvSpec {
        source: Source::Rank(1),
        tag: TagSel::Tag(9),
        count: 1,
        datatype: "MPI_INT".into(),
    }
}

const CALLS: u64 = 2_000;

/// One thread's calls, each in three steps, as a hook would take them.
fn record_calls(shared: &SharedRecorder, op: Op) {
    for _ in 0..CALLS {
        let spec = match op {
            Op::Send => CallSpec::new(op, site(10)).sending(send_to_rank_1()),
            _ => CallSpec::new(op, site(20)).receiving(recv_from_rank_1()),
        };
        let id = shared.with(|r| r.begin(spec)).expect("installed");
        shared.with(|r| r.posted(id));
        let arrived = Arrival {
            call: id,
            source: 1,
            tag: 9,
            bytes: 4,
        };
        let arrivals = if op == Op::Recv { &[arrived][..] } else { &[] };
        shared.with(|r| r.end(id, op, arrivals, None));
    }
}

/// The calls each `Begin` opened, checked against its `End`: every call
/// begins once, before it ends, and ends once with its own operation.
fn check_calls_pair_up(events: &[Event]) -> HashMap<u64, Op> {
    let (mut open, mut ended) = (HashMap::new(), HashMap::new());
    for e in events {
        match &e.event {
            EventKind::Begin(call) => {
                assert!(open.insert(call.id, call.op).is_none(), "one Begin each");
            }
            EventKind::End(end) => {
                assert_eq!(open.remove(&end.id), Some(end.op), "End after its Begin");
                ended.insert(end.id, end.op);
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "every call ended: {open:?}");
    ended
}

#[test]
fn two_threads_share_a_recorder_and_every_event_arrives_in_order() {
    // A ring far smaller than what the threads report: they wait for room.
    let (out, inbox) = outbox(4096, 4096);
    let drained = drain(inbox);
    let shared = Arc::new(SharedRecorder::new());
    assert!(shared.install(Recorder::new(3, 0.0, out)).is_none());
    let threads: Vec<_> = [Op::Send, Op::Recv]
        .into_iter()
        .map(|op| {
            let shared = shared.clone();
            std::thread::spawn(move || record_calls(&shared, op))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert!(shared.finish());
    let events = drained.join().unwrap();

    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (0..events.len() as u64).collect::<Vec<_>>());
    assert!(events.iter().all(|e| e.rank == 3));
    let total = events.len() as u64;
    assert!(matches!(
        events.last().unwrap().event,
        EventKind::Finished { events, .. } if events == total
    ));
    let ended = check_calls_pair_up(&events);
    assert_eq!(ended.len() as u64, 2 * CALLS);
    assert!((0..2 * CALLS).all(|id| ended.contains_key(&id)), "ids 0..");
    assert_eq!(
        total,
        4 * CALLS + 1,
        "a Begin and an End per call, and Finished"
    );
}

#[test]
fn sends_and_receives_are_numbered_on_their_channels() {
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    let shared = Arc::new(SharedRecorder::new());
    shared.install(Recorder::new(3, 0.0, out));
    let threads: Vec<_> = [Op::Send, Op::Recv]
        .into_iter()
        .map(|op| {
            let shared = shared.clone();
            std::thread::spawn(move || record_calls(&shared, op))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    shared.finish();
    let events = drained.join().unwrap();

    let mut sent = Vec::new();
    let mut received = Vec::new();
    for e in &events {
        match &e.event {
            EventKind::Begin(call) => sent.extend(call.send.as_ref().map(|s| s.msg)),
            EventKind::End(end) => received.extend(end.received.iter().map(|r| r.msg.unwrap())),
            _ => {}
        }
    }
    assert_eq!(
        sent.iter().map(|m| m.k).collect::<Vec<_>>(),
        (0..CALLS).collect::<Vec<_>>()
    );
    assert!(sent.iter().all(|m| (m.from, m.to, m.tag) == (3, 1, 7)));
    assert_eq!(
        received.iter().map(|m| m.k).collect::<Vec<_>>(),
        (0..CALLS).collect::<Vec<_>>()
    );
    assert!(received.iter().all(|m| (m.from, m.to, m.tag) == (1, 3, 9)));
}

/// A gate that answers from a script: what a look finds (last first),
/// and what each wait gets (last first).
struct Scripted {
    found: Vec<Control>,
    waited: Vec<Control>,
}

impl Gate for Scripted {
    fn poll(&mut self) -> Option<Control> {
        self.found.pop()
    }

    fn wait(&mut self) -> Control {
        self.waited
            .pop()
            .expect("the script has a command for each wait")
    }
}

#[test]
fn a_held_call_is_reported_held_then_begins_when_permitted() {
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    // Rank 0 permits the first call, then sets the rank free.
    let gate = Scripted {
        found: Vec::new(),
        waited: vec![Control::Free, Control::Permit],
    };
    let mut recorder = Recorder::new(0, 0.0, out).paced_by(gate, true);
    assert!(recorder.is_held());
    let id = recorder.begin(CallSpec::new(Op::Barrier, site(5)));
    assert!(recorder.is_held(), "a permit lets one call go");
    recorder.end(id, Op::Barrier, &[], None);
    let id = recorder.begin(CallSpec::new(Op::Barrier, site(6)));
    assert!(!recorder.is_held(), "rank 0 set the rank free");
    recorder.end(id, Op::Barrier, &[], None);
    recorder.finish();
    assert_eq!(
        kinds(&drained.join().unwrap()),
        ["held", "begin", "end", "held", "begin", "end", "finished"]
    );
}

/// The kinds of events a drained recorder reported, in order.
fn kinds(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .map(|e| match e.event {
            EventKind::Held(_) => "held",
            EventKind::Begin(_) => "begin",
            EventKind::End(_) => "end",
            EventKind::Finished { .. } => "finished",
            _ => "other",
        })
        .collect()
}

#[test]
fn a_paced_rank_sits_out_its_time_per_call_reported_held() {
    let per_call = Duration::from_millis(40);
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    // Stopped at first; rank 0's pace is waiting when the first call looks.
    let gate = Scripted {
        found: vec![Control::Paced(per_call)],
        waited: Vec::new(),
    };
    let mut recorder = Recorder::new(0, 0.0, out).paced_by(gate, true);
    for line in [5, 6] {
        let id = recorder.begin(CallSpec::new(Op::Barrier, site(line)));
        recorder.end(id, Op::Barrier, &[], None);
    }
    assert!(recorder.is_held(), "still at the classroom pace");
    recorder.finish();
    let events = drained.join().unwrap();
    assert_eq!(
        kinds(&events),
        ["begin", "end", "held", "begin", "end", "finished"],
        "the first call goes at once, the second waits its turn"
    );
    let begins: Vec<f64> = events
        .iter()
        .filter(|e| matches!(e.event, EventKind::Begin(_)))
        .map(|e| e.t)
        .collect();
    assert!(
        begins[1] - begins[0] >= per_call.as_secs_f64(),
        "{begins:?}"
    );
}

#[test]
fn a_step_inside_a_step_records_nothing() {
    let (out, _inbox) = outbox(1 << 16, 0);
    let shared = SharedRecorder::new();
    assert_eq!(shared.with(|r| r.rank()), None, "nothing installed yet");
    shared.install(Recorder::new(2, 0.0, out));
    let inner = shared.with(|_| shared.with(|r| r.rank()));
    assert_eq!(
        inner,
        Some(None),
        "the recorder's own calls are not the program's"
    );
    assert_eq!(shared.with(|r| r.rank()), Some(2));
}

#[test]
fn the_tutors_own_threads_are_never_recorded() {
    let (out, _inbox) = outbox(1 << 16, 0);
    let shared = Arc::new(SharedRecorder::new());
    shared.install(Recorder::new(2, 0.0, out));
    let on_tutor_thread = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            mark_tutor_thread();
            shared.with(|r| r.rank())
        })
        .join()
        .unwrap()
    };
    assert_eq!(on_tutor_thread, None);
    assert_eq!(
        shared.with(|r| r.rank()),
        Some(2),
        "other threads still are"
    );
}

#[test]
fn a_call_that_ends_in_the_step_it_began_in_bears_one_stamp() {
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    let mut recorder = Recorder::new(0, 0.0, out);
    let isend = CallSpec::new(Op::Isend, site(5)).sending(send_to_rank_1());
    let id = recorder.begin(isend);
    recorder.end_at_begin(id, Op::Isend, &[], Default::default());
    let id = recorder.begin(CallSpec::new(Op::Barrier, site(6)));
    recorder.posted(id);
    std::thread::sleep(Duration::from_millis(2));
    recorder.end_at_begin(id, Op::Barrier, &[], Default::default());
    recorder.finish();
    let events = drained.join().unwrap();
    let stamps: Vec<f64> = events[..4].iter().map(|e| e.t).collect();
    assert_eq!(kinds(&events[..4]), ["begin", "end", "begin", "end"]);
    assert_eq!(stamps[0], stamps[1], "the isend's begin and end");
    // A call whose Begin went out before (posted) is stamped when it ends.
    assert!(stamps[3] - stamps[2] >= 0.002, "{stamps:?}");
}

#[test]
fn what_a_caller_attaches_stays_with_the_recorder_from_call_to_call() {
    let (out, _inbox) = outbox(1 << 16, 0);
    let mut recorder = Recorder::new(0, 0.0, out);
    recorder.attached::<Vec<u64>>().push(7);
    recorder.attached::<Vec<u64>>().push(8);
    assert_eq!(recorder.attached::<Vec<u64>>(), &[7, 8]);
    assert_eq!(
        recorder.attached::<String>(),
        "",
        "another kind starts afresh"
    );
    assert!(recorder.attached::<Vec<u64>>().is_empty());
}

#[test]
fn an_isend_begun_and_ended_in_one_step_reads_back_as_two_numbered_events() {
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    let mut recorder = Recorder::new(3, 0.5, out);
    let spec = CallSpec::new(Op::Isend, site(5)).sending(send_to_rank_1());
    let id = recorder.begin(spec);
    recorder.end_at_begin(id, Op::Isend, &[], Default::default());
    recorder.say("after");
    let id = recorder.begin(CallSpec::new(Op::Isend, site(6)).sending(send_to_rank_1()));
    recorder.end_at_begin(id, Op::Isend, &[], Default::default());
    recorder.finish();
    let events = drained.join().unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        kinds(&events),
        ["begin", "end", "other", "begin", "end", "finished"]
    );
    assert!(events.iter().all(|e| e.rank == 3 && e.t >= 0.5));
    assert_eq!(events[0].t, events[1].t);
    let (EventKind::Begin(call), EventKind::End(end)) = (&events[3].event, &events[4].event) else {
        panic!("{events:?}");
    };
    assert_eq!((call.id, end.id, end.op), (1, 1, Op::Isend));
    assert_eq!(call.site.line, 6);
    assert_eq!(call.send.as_ref().map(|s| s.msg.k), Some(1));
}

/// A started call (an isend, an irecv) as a C hook describes it: to rank
/// `peer` or from any rank (`peer` None), with a tag or any, and a
/// preview of the values sent or none.
fn start_spec(send: bool, peer: Option<u32>, tag: Option<i32>, preview: bool) -> StartSpec {
    let datatype = "MPI_DOUBLE".into();
    let transfer = match (send, peer) {
        (true, None) => StartedTransfer::Nobody,
        (true, Some(dest)) => {
            let values = Raw::of_values(40, |i| i as f64 * 0.5);
            let send = SendSpec {
                dest,
                tag: tag.unwrap_or(-3),
                count: 40,
                datatype,
                bytes: 320,
            };
            StartedTransfer::Send(send, preview.then(|| Values::from(values)))
        }
        (false, _) => StartedTransfer::Recv(RecvSpec {
            source: peer.map_or(Source::Any, Source::Rank),
            tag: tag.map_or(TagSel::Any, TagSel::Tag),
            count: 40,
            datatype,
        }),
    };
    StartSpec {
        op: if send { Op::Isend } else { Op::Irecv },
        comm: u32::from(preview),
        site: site(peer.unwrap_or(99)),
        transfer,
    }
}

/// What a recorder reports for `specs`, each recorded by `record`, their
/// stamps left out (two runs never share them).
fn reported(specs: &[StartSpec], record: impl Fn(&mut Recorder, StartSpec)) -> Vec<Event> {
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    let mut recorder = Recorder::new(2, 0.0, out);
    for spec in specs {
        record(&mut recorder, spec.clone());
    }
    recorder.finish();
    let mut events = drained.join().unwrap();
    events.iter_mut().for_each(|e| e.t = 0.0);
    events
}

proptest! {
    #[test]
    fn a_started_call_reads_back_as_the_call_begun_and_ended_the_general_way(
        calls in proptest::collection::vec(
            (any::<bool>(), proptest::option::of(0u32..5), proptest::option::of(any::<i32>()), any::<bool>()),
            1..12,
        )
    ) {
        let specs: Vec<StartSpec> = calls
            .into_iter()
            .map(|(send, peer, tag, preview)| start_spec(send, peer, tag, preview))
            .collect();
        let general = reported(&specs, |r, spec| {
            let op = spec.op;
            let id = r.begin(spec.into_call());
            r.end_at_begin(id, op, &[], Default::default());
        });
        let started = reported(&specs, |r, spec| {
            r.started(spec);
        });
        prop_assert_eq!(started, general);
    }
}

#[test]
fn a_started_call_bears_one_stamp_and_numbers_its_messages() {
    let specs = [
        start_spec(true, Some(1), Some(4), true),
        start_spec(true, Some(1), Some(4), true),
        start_spec(false, None, None, false),
    ];
    let (out, inbox) = outbox(1 << 16, 0);
    let drained = drain(inbox);
    let mut recorder = Recorder::new(0, 0.25, out);
    let ids: Vec<u64> = specs.iter().map(|s| recorder.started(s.clone())).collect();
    recorder.finish();
    let events = drained.join().unwrap();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(
        kinds(&events),
        ["begin", "end", "begin", "end", "begin", "end", "finished"]
    );
    assert!(events
        .chunks(2)
        .take(3)
        .all(|pair| pair[0].t == pair[1].t && pair[0].t >= 0.25));
    let ks: Vec<Option<u64>> = events
        .iter()
        .filter_map(|e| match &e.event {
            EventKind::Begin(call) => Some(call.send.as_ref().map(|s| s.msg.k)),
            _ => None,
        })
        .collect();
    assert_eq!(ks, [Some(0), Some(1), None]);
}
