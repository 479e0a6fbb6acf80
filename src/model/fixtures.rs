//! Small constructors for event sequences, numbered like a real run:
//! per-rank `seq` and call ids, per-channel message numbers.

use crate::trace::{
    Call, CallEnd, CollectivePart, Event, EventKind, FieldBlock, Header, MsgId, Op, Outcome,
    ProbePart, Rank, Received, RecvPart, RmaPart, SendCounter, SendPart, Site, Source, TagSel,
};

pub struct Script {
    pub header: Header,
    pub events: Vec<Event>,
    seq: Vec<u64>,
    calls: Vec<u64>,
    sends: Vec<SendCounter>,
    collectives: u64,
    pub t: f64,
    pub file: String,
}

pub fn site(file: &str, line: u32) -> Site {
    Site {
        file: file.to_owned().into(),
        line,
    }
}

impl Script {
    pub fn new(lesson: &str, world: u32) -> Self {
        Script {
            header: Header::new(lesson, world, "Test MPI 1.0", 1_700_000_000.0),
            events: Vec::new(),
            seq: vec![0; world as usize],
            calls: vec![0; world as usize],
            sends: (0..world).map(|_| SendCounter::default()).collect(),
            collectives: 0,
            t: 0.0,
            file: format!("lessons/{lesson}.rs"),
        }
    }

    /// Sets the time of the next events.
    pub fn at(&mut self, t: f64) -> &mut Self {
        self.t = t;
        self
    }

    pub fn push(&mut self, rank: Rank, event: EventKind) -> Event {
        let e = Event {
            rank,
            seq: self.seq[rank as usize],
            t: self.t,
            event,
        };
        self.seq[rank as usize] += 1;
        self.events.push(e.clone());
        e
    }

    fn call(&mut self, rank: Rank, op: Op, line: u32) -> Call {
        let id = self.calls[rank as usize];
        self.calls[rank as usize] += 1;
        Call {
            id,
            op,
            comm: 0,
            send: None,
            recv: None,
            collective: None,
            probe: None,
            requests: vec![],
            name: None,
            shift: None,
            rma: None,
            site: site(&self.file, line),
        }
    }

    pub fn say(&mut self, rank: Rank, text: &str) {
        self.push(rank, EventKind::Say { text: text.into() });
    }

    pub fn check(&mut self, rank: Rank, what: &str, passed: bool) {
        self.push(
            rank,
            EventKind::Check {
                what: what.into(),
                passed,
            },
        );
    }

    /// The rank shows its block of the field (`world.show_field`).
    pub fn field(&mut self, rank: Rank, block: FieldBlock) {
        self.push(rank, EventKind::Field(block));
    }

    pub fn finish(&mut self, rank: Rank) {
        let events = self.seq[rank as usize] + 1;
        self.push(
            rank,
            EventKind::Finished {
                events,
                throttled: 0,
            },
        );
    }

    pub fn run_ended(&mut self, outcome: Outcome, detail: &str) {
        let seq = self.seq[0];
        self.events.push(Event {
            rank: 0,
            seq,
            t: self.t,
            event: EventKind::RunEnded {
                outcome,
                detail: detail.into(),
            },
        });
    }

    /// A send call (not yet begun): `op` is Send or Isend.
    pub fn send_call(
        &mut self,
        op: Op,
        rank: Rank,
        dest: Rank,
        tag: i32,
        n: u64,
        line: u32,
    ) -> Call {
        let mut c = self.call(rank, op, line);
        c.send = Some(SendPart {
            dest,
            tag,
            count: n,
            datatype: "f64".into(),
            bytes: 8 * n,
            msg: self.sends[rank as usize].next(rank, dest, tag, 0),
            values: None,
        });
        c
    }

    pub fn recv_call(
        &mut self,
        op: Op,
        rank: Rank,
        source: Source,
        tag: TagSel,
        n: u64,
        line: u32,
    ) -> Call {
        let mut c = self.call(rank, op, line);
        c.recv = Some(RecvPart {
            source,
            tag,
            count: n,
            datatype: "f64".into(),
        });
        c
    }

    pub fn held(&mut self, rank: Rank, c: &Call) {
        self.push(rank, EventKind::Held(Box::new(c.clone())));
    }

    pub fn begin(&mut self, rank: Rank, c: &Call) {
        self.push(rank, EventKind::Begin(Box::new(c.clone())));
    }

    /// Blocking send begun; returns the call and its message.
    pub fn send(&mut self, rank: Rank, dest: Rank, tag: i32, n: u64, line: u32) -> (Call, MsgId) {
        let c = self.send_call(Op::Send, rank, dest, tag, n, line);
        self.begin(rank, &c);
        let id = c.send.as_ref().unwrap().msg;
        (c, id)
    }

    /// Blocking receive begun.
    pub fn recv(&mut self, rank: Rank, source: Source, tag: TagSel, n: u64, line: u32) -> Call {
        let c = self.recv_call(Op::Recv, rank, source, tag, n, line);
        self.begin(rank, &c);
        c
    }

    pub fn end(&mut self, rank: Rank, c: &Call) {
        self.end_with(rank, c, vec![], None);
    }

    /// The end of a receive (or wait) that took `msgs`: (receive call id, message).
    pub fn end_received(&mut self, rank: Rank, c: &Call, msgs: &[(u64, MsgId)]) {
        let received = msgs
            .iter()
            .map(|(call, m)| Received {
                call: *call,
                source: m.from,
                tag: m.tag,
                bytes: 800,
                msg: Some(*m),
            })
            .collect();
        self.end_with(rank, c, received, None);
    }

    pub fn end_with(
        &mut self,
        rank: Rank,
        c: &Call,
        received: Vec<Received>,
        completed: Option<bool>,
    ) {
        self.push(
            rank,
            EventKind::End(CallEnd {
                id: c.id,
                op: c.op,
                received,
                completed,
                done: Vec::new(),
                name: None,
                values: None,
                polls: 0,
                bytes: 0,
            }),
        );
    }

    /// The end of a receive (or wait) that took a message from `source`
    /// with `tag` it cannot name yet: receive call `recv_call` of `rank`.
    pub fn end_unnamed(&mut self, rank: Rank, c: &Call, recv_call: u64, source: Rank, tag: i32) {
        let unnamed = Received {
            call: recv_call,
            source,
            tag,
            bytes: 8,
            msg: None,
        };
        self.end_with(rank, c, vec![unnamed], None);
    }

    /// The message that receive `call` of `rank` took, named at last.
    pub fn matched(&mut self, rank: Rank, call: u64, msg: MsgId) {
        self.push(rank, EventKind::Matched { call, msg });
    }

    pub fn wait_call(&mut self, op: Op, rank: Rank, requests: &[u64], line: u32) -> Call {
        let mut c = self.call(rank, op, line);
        c.requests = requests.to_vec();
        c
    }

    /// A probe, iprobe or improbe (not yet begun) looking for a message
    /// from `source` with `tag`.
    pub fn probe_call(
        &mut self,
        op: Op,
        rank: Rank,
        source: Source,
        tag: TagSel,
        line: u32,
    ) -> Call {
        let mut c = self.call(rank, op, line);
        c.probe = Some(ProbePart { source, tag });
        c
    }

    /// Poll `c` begins and ends, `found` or not, `polls` into its loop.
    pub fn poll(&mut self, rank: Rank, c: &Call, found: bool, polls: u64) {
        self.begin(rank, c);
        self.push(
            rank,
            EventKind::End(CallEnd {
                id: c.id,
                op: c.op,
                received: vec![],
                completed: Some(found),
                done: Vec::new(),
                name: None,
                values: None,
                polls,
                bytes: 0,
            }),
        );
    }

    /// The calls of one collective on the given ranks (same instance).
    pub fn collective(
        &mut self,
        op: Op,
        root: Option<Rank>,
        ranks: &[Rank],
        line: u32,
    ) -> Vec<Call> {
        let instance = self.collectives;
        self.collectives += 1;
        let members = self.header.world_size;
        ranks
            .iter()
            .map(|&r| {
                let mut c = self.call(r, op, line);
                c.collective = Some(CollectivePart {
                    root,
                    instance,
                    count: 1,
                    datatype: "f64".into(),
                    bytes: 8,
                    members,
                    values: None,
                    reduce: None,
                });
                c
            })
            .collect()
    }

    /// A put or get (not yet begun) of `n` f64 on `target`'s window.
    pub fn rma_call(&mut self, op: Op, rank: Rank, target: Rank, n: u64, line: u32) -> Call {
        let mut c = self.call(rank, op, line);
        c.rma = Some(RmaPart {
            target,
            disp: 0,
            count: n,
            datatype: "f64".into(),
            bytes: 8 * n,
            values: None,
        });
        c
    }

    pub fn model(&self) -> super::Model {
        let mut m = super::Model::new(self.header.clone());
        for e in &self.events {
            m.apply(e);
        }
        m
    }
}

/// The send-recv lesson on 5 ranks, cut at one of its moments:
/// `started`, `pending`, `in_flight`, `delivered`, `done`.
pub fn send_recv(moment: &str) -> Script {
    let order = ["started", "pending", "in_flight", "delivered", "done"];
    let upto = order
        .iter()
        .position(|m| *m == moment)
        .expect("known moment");
    let mut s = Script::new("send_recv", 5);
    s.at(0.000_310);
    s.say(0, "sending 100 values");
    s.at(0.000_320);
    s.say(1, "waiting for data from rank 0");
    for r in 2..5 {
        s.at(0.000_330 + 0.000_01 * f64::from(r));
        s.say(r, "I've got nothing to do");
    }
    if upto < 1 {
        return s;
    }
    let send = s.send_call(Op::Send, 0, 1, 13, 100, 21);
    s.at(0.000_400);
    s.held(0, &send);
    s.at(0.000_410);
    let recv = s.recv(1, Source::Rank(0), TagSel::Tag(13), 100, 27);
    for r in 2..5 {
        s.at(0.000_420 + 0.000_01 * f64::from(r));
        s.finish(r);
    }
    if upto < 2 {
        return s;
    }
    s.at(1.250_000);
    s.begin(0, &send);
    let msg = send.send.as_ref().unwrap().msg;
    if upto < 3 {
        return s;
    }
    s.at(1.250_180);
    s.end(0, &send);
    s.at(1.250_400);
    s.end_received(1, &recv, &[(recv.id, msg)]);
    if upto < 4 {
        return s;
    }
    s.at(1.250_500);
    s.check(1, "received 100 values", true);
    s.at(1.250_520);
    s.finish(0);
    s.at(1.250_600);
    s.finish(1);
    s.at(1.251_000);
    s.run_ended(Outcome::Completed, "all 5 ranks finished");
    s
}

/// The halo lesson's field after `steps` iterations, cut into the blocks
/// of a `prows` x `pcols` grid of ranks (rank = row * pcols + col): a hot
/// disc (100) in the middle of an `n` x `n` cold grid, spread by the same
/// stencil as lessons/halo.rs, computed serially.
pub fn heat_blocks(n: u32, prows: u32, pcols: u32, steps: u64) -> Vec<FieldBlock> {
    let n_ = n as usize;
    let mut u = vec![0.0f64; n_ * n_];
    for i in 0..n_ {
        for j in 0..n_ {
            let (dy, dx) = (
                i as f64 + 0.5 - n_ as f64 / 2.0,
                j as f64 + 0.5 - n_ as f64 / 2.0,
            );
            if dx * dx + dy * dy < (n_ as f64 / 4.0).powi(2) {
                u[i * n_ + j] = 100.0;
            }
        }
    }
    let at = |u: &[f64], i: isize, j: isize| {
        if i < 0 || j < 0 || i >= n_ as isize || j >= n_ as isize {
            0.0
        } else {
            u[i as usize * n_ + j as usize]
        }
    };
    for _ in 0..steps {
        let mut next = u.clone();
        for i in 0..n_ as isize {
            for j in 0..n_ as isize {
                let around =
                    at(&u, i - 1, j) + at(&u, i + 1, j) + at(&u, i, j - 1) + at(&u, i, j + 1);
                let here = at(&u, i, j);
                next[i as usize * n_ + j as usize] = here + 0.2 * (around - 4.0 * here);
            }
        }
        u = next;
    }
    let split = |parts: u32, k: u32| (k * n / parts, (k + 1) * n / parts);
    let mut out = Vec::new();
    for r in 0..prows * pcols {
        let ((row0, row1), (col0, col1)) = (split(prows, r / pcols), split(pcols, r % pcols));
        let mut values = Vec::new();
        for i in row0..row1 {
            for j in col0..col1 {
                values.push(u[(i * n + j) as usize] as f32);
            }
        }
        out.push(FieldBlock {
            name: "heat".into(),
            iteration: steps,
            grid_rows: n,
            grid_cols: n,
            row0,
            col0,
            rows: row1 - row0,
            cols: col1 - col0,
            values,
        });
    }
    out
}

/// Two ranks that both receive first (lessons/deadlock.rs lines 14 and 20).
pub fn head_to_head() -> Script {
    let mut s = Script::new("deadlock", 2);
    s.at(0.001);
    s.say(0, "I'll receive first, then send");
    s.say(1, "me too");
    s.at(0.002);
    s.recv(0, Source::Rank(1), TagSel::Tag(7), 10, 14);
    s.at(0.003);
    s.recv(1, Source::Rank(0), TagSel::Tag(7), 10, 20);
    s
}

/// The nonblocking lesson on 4 ranks, one rank per word: rank 0 posted an
/// irecv from 3 and computes (posted), rank 1 waits in a recv from 0,
/// rank 2 waits in a wait on its irecv from 1, rank 3 is held by the tutor
/// before its isend.
pub fn posted_and_waiting() -> Script {
    let mut s = Script::new("nonblocking", 4);
    s.at(0.010);
    let posted = s.recv_call(Op::Irecv, 0, Source::Rank(3), TagSel::Tag(1), 4, 23);
    s.begin(0, &posted);
    s.end(0, &posted);
    s.say(0, "computing while the message from the left travels");
    s.at(0.020);
    s.recv(1, Source::Rank(0), TagSel::Tag(2), 4, 24);
    s.at(0.030);
    let irecv = s.recv_call(Op::Irecv, 2, Source::Rank(1), TagSel::Tag(1), 4, 23);
    s.begin(2, &irecv);
    s.end(2, &irecv);
    let wait = s.wait_call(Op::Wait, 2, &[irecv.id], 45);
    s.begin(2, &wait);
    s.at(0.040);
    let isend = s.send_call(Op::Isend, 3, 0, 1, 4, 25);
    s.held(3, &isend);
    s
}

/// Sends that wait for their receivers on 3 ranks: rank 0 in a synchronous
/// send to rank 1, rank 2 in a 1 MiB send to rank 1 (rendezvous), while
/// rank 1 computes and has posted no receive.
pub fn senders_wait() -> Script {
    let mut s = Script::new("deadlock", 3);
    s.at(0.010);
    let ssend = s.send_call(Op::Ssend, 0, 1, 5, 10, 30);
    s.begin(0, &ssend);
    s.at(0.020);
    s.send(2, 1, 6, 131_072, 31);
    s.at(0.030);
    s.say(1, "busy computing before my receives");
    s
}

/// A deadlock on one rank: rank 0 ended, rank 1 waits in a recv from it.
pub fn waits_for_an_ended_rank() -> Script {
    let mut s = Script::new("deadlock", 2);
    s.at(0.010);
    s.say(0, "done, and I sent nothing");
    s.finish(0);
    s.at(0.020);
    s.recv(1, Source::Rank(0), TagSel::Tag(1), 10, 16);
    s
}

/// A cycle of three: every rank receives from its left neighbour first.
pub fn ring_of_receives() -> Script {
    let mut s = Script::new("deadlock", 3);
    for r in 0..3 {
        s.at(0.010 * f64::from(r + 1));
        s.recv(r, Source::Rank((r + 2) % 3), TagSel::Tag(1), 10, 16);
    }
    s
}

/// The crash lesson on 4 ranks at step 2: rank 1 failed at its index out
/// of bounds, the others wait in the allreduce it will never join.
pub fn crashed() -> Script {
    let mut s = Script::new("crash", 4);
    s.at(0.010);
    for r in 0..4 {
        s.say(r, "step 1: the sum over all ranks is 64");
    }
    s.at(0.020);
    let calls = s.collective(Op::Allreduce, None, &[0, 2, 3], 21);
    for (c, r) in calls.iter().zip([0, 2, 3]) {
        s.begin(r, c);
    }
    s.at(0.030);
    s.push(
        1,
        EventKind::Failed {
            message: "index out of bounds: the len is 2 but the index is 2".into(),
            site: Some(site("lessons/crash.rs", 19)),
        },
    );
    s
}

/// Every rank of `hosts.len()` sends 1 value to its right neighbour in a
/// ring, then receives from its left one; the receives of ranks 1 to
/// `delivered` have completed, the other messages are in flight. Rank r
/// runs on `hosts[r]`.
pub fn ring_on_hosts(hosts: &[&str], delivered: u32) -> Script {
    let n = hosts.len() as u32;
    let mut s = Script::new("ring", n);
    s.header.hosts = hosts.iter().map(|h| h.to_string()).collect();
    let mut sends = Vec::new();
    for r in 0..n {
        s.at(0.001 * f64::from(r + 1));
        let (send, msg) = s.send(r, (r + 1) % n, 1, 1, 54);
        // Small enough to go eagerly: the send returns at once.
        s.end(r, &send);
        sends.push(msg);
    }
    for r in 0..n {
        s.at(0.010 + 0.001 * f64::from(r));
        let recv = s.recv(r, Source::Rank((r + n - 1) % n), TagSel::Tag(1), 1, 51);
        if (1..=delivered).contains(&r) {
            s.end_received(r, &recv, &[(recv.id, sends[(r - 1) as usize])]);
        }
    }
    s
}

/// One window on 3 ranks, its calls made together (win_create, fences,
/// win_free); ranks 1 and 2 put 2 values into rank 0's window, rank 0
/// gets 2 values from rank 1's.
pub fn one_sided() -> Script {
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
