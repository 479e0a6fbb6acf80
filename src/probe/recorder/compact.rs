//! The recorder's steps for a watched program's commonest calls, which
//! report compact records (`trace::wire::compact`) written from the
//! caller's few values: no `Call` is built, moved or dropped. Each falls
//! back to the general steps when the teacher holds the rank, whose
//! `Held` event shows the whole call.

use std::time::Duration;

use super::{CallSpec, EndSpec, Recorder, StartSpec, StartedTransfer};
use crate::trace::wire::{Completing, Started, Transfer};
use crate::trace::{Op, Site};

impl Recorder {
    /// A call that only starts its transfer (an isend, an irecv) begins
    /// and ends: [`Recorder::begin`] and [`Recorder::end_at_begin`] in one
    /// step, reported as one `wire::Started` record, written from `spec`
    /// with nothing copied. The caller starts the MPI operation after it.
    /// Its id.
    pub fn started(&mut self, spec: StartSpec) -> u64 {
        // With a stale preview for its end, the general way too.
        let turn = match self.got_values {
            Some(_) => None,
            None => self.compact_turn(),
        };
        let Some((id, now)) = turn else {
            let op = spec.op;
            let id = self.begin(spec.into_call());
            self.end_at_begin(id, op, &[], EndSpec::default());
            return id;
        };
        let transfer = match &spec.transfer {
            StartedTransfer::Send(send, values) => Transfer::Send {
                dest: send.dest,
                tag: send.tag,
                count: send.count,
                datatype: &send.datatype,
                bytes: send.bytes,
                k: self.sends.next(self.rank, send.dest, send.tag, spec.comm).k,
                values: values.as_ref(),
            },
            StartedTransfer::Recv(recv) => {
                self.matcher.post(id, spec.comm, recv.source, recv.tag);
                Transfer::Recv {
                    source: recv.source,
                    tag: recv.tag,
                    count: recv.count,
                    datatype: &recv.datatype,
                }
            }
            StartedTransfer::Nobody => Transfer::Nobody,
        };
        let (seq, t) = self.number_and_stamp(2, now);
        self.outbox.report_record(&Started {
            rank: self.rank,
            seq,
            t,
            id,
            op: spec.op,
            comm: spec.comm,
            site: &spec.site,
            transfer,
        });
        id
    }

    /// A call of `op` made at `site` that starts nothing and completes
    /// the requests that calls `requests` started (a wait, a waitall)
    /// begins: [`Recorder::begin`] and [`Recorder::posted`] in one step,
    /// its `Begin` reported as one `wire::Completing` record, written with
    /// nothing copied. Its id.
    pub fn begin_completing(&mut self, op: Op, site: Site, requests: &[u64]) -> u64 {
        let Some((id, now)) = self.compact_turn() else {
            let id = self.begin(CallSpec::new(op, site).completing(requests));
            self.posted(id);
            return id;
        };
        let (seq, t) = self.number_and_stamp(1, now);
        self.outbox.report_record(&Completing {
            rank: self.rank,
            seq,
            t,
            id,
            op,
            site: &site,
            requests,
        });
        id
    }

    /// A call's turn when it goes out as a compact record: once the call
    /// another thread began is reported, its id and its stamp. None while
    /// the teacher holds the rank: the call then goes the general way,
    /// whose `Held` event shows it whole.
    fn compact_turn(&mut self) -> Option<(u64, Duration)> {
        self.ready();
        self.report_begin();
        if self.pace.must_hold(self.last_stamp) {
            return None;
        }
        self.pace.call_begins();
        let id = self.next_call;
        self.next_call += 1;
        Some((id, self.started.elapsed()))
    }
}
