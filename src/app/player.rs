//! The model at any point of a recorded trace, going forwards and
//! backwards: what the replay view steps through.
//!
//! The model only moves forwards. So on the way forwards the player keeps a
//! checkpoint every [`EVERY`] events (a [`Snapshot`]: the model without its
//! recent history, which the trace holds anyway, and with its timeline
//! packed), and going back restores the last checkpoint before the target,
//! gives it back its history from the trace and applies the events from
//! there. A move thus decodes at most [`HISTORY`] events and applies at
//! most [`EVERY`], however long the trace: a few milliseconds. Checkpoints
//! are taken the first time the replay passes them, so opening a replay
//! costs nothing; each holds ~14 KB per rank.

use crate::model::{Model, Snapshot, HISTORY};
use crate::trace::{Header, Packed};

/// Events between two checkpoints.
pub const EVERY: usize = 8192;

pub struct Player {
    events: Packed,
    model: Model,
    /// Events applied to `model` (the first `at` of the trace).
    at: usize,
    every: usize,
    /// `checkpoints[j]` is the model after `j * every` events.
    checkpoints: Vec<Snapshot>,
    /// Bit `i` is set when event `i` was applied rather than ignored (a
    /// duplicate): then it went to the model's recent history.
    applied: Vec<u64>,
    /// Events that `applied` knows about.
    reached: usize,
}

impl Player {
    pub fn new(header: Header, events: Packed) -> Self {
        Self::with_interval(header, events, EVERY)
    }

    /// A player with a checkpoint every `every` events.
    pub fn with_interval(header: Header, events: Packed, every: usize) -> Self {
        let model = Model::new(header);
        Player {
            checkpoints: vec![model.snapshot()],
            events,
            model,
            at: 0,
            every: every.max(1),
            applied: Vec::new(),
            reached: 0,
        }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// How many events of the trace are applied.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Events in the trace.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn events(&self) -> &Packed {
        &self.events
    }

    /// Checkpoints taken so far (the first is the empty model).
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// Moves to `target` events applied (at most all of them).
    pub fn seek(&mut self, target: usize) {
        let target = target.min(self.events.len());
        let j = (target / self.every).min(self.checkpoints.len() - 1);
        if target < self.at || j * self.every > self.at {
            self.restore(j);
        }
        self.forward(target);
    }

    /// Puts the model back to checkpoint `j`.
    fn restore(&mut self, j: usize) {
        let end = j * self.every;
        let mut start = end;
        let mut kept = 0;
        while start > 0 && kept < HISTORY {
            start -= 1;
            kept += usize::from(self.was_applied(start));
        }
        let recent = self
            .events
            .range(start..end)
            .zip(start..)
            .filter(|(_, i)| self.was_applied(*i))
            .map(|(e, _)| e);
        let model = Model::restore(&self.checkpoints[j], recent);
        self.model = model;
        self.at = end;
    }

    fn forward(&mut self, target: usize) {
        let Player {
            events,
            model,
            at,
            every,
            checkpoints,
            applied,
            reached,
        } = self;
        for e in events.range(*at..target) {
            let ok = model.apply_owned(e);
            if *at >= *reached {
                if *at % 64 == 0 {
                    applied.push(0);
                }
                applied[*at / 64] |= u64::from(ok) << (*at % 64);
                *reached = *at + 1;
            }
            *at += 1;
            if *at % *every == 0 && *at / *every == checkpoints.len() {
                checkpoints.push(model.snapshot());
            }
        }
    }

    fn was_applied(&self, i: usize) -> bool {
        self.applied[i / 64] >> (i % 64) & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::Script;
    use crate::trace::{read_trace, Event, EventKind, Source, TagSel, Trace};

    fn fixture(name: &str) -> Trace {
        let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
        read_trace(std::path::Path::new(&path)).expect("fixture")
    }

    /// The model after the first `n` events, built from the start.
    fn rebuilt(header: &Header, events: &[Event], n: usize) -> Model {
        let mut m = Model::new(header.clone());
        events[..n].iter().for_each(|e| m.apply(e));
        m
    }

    fn player(t: &Trace, every: usize) -> Player {
        Player::with_interval(t.header.clone(), Packed::from_events(&t.events), every)
    }

    #[test]
    fn stepping_back_gives_the_state_rebuilt_from_the_start() {
        for name in ["ring", "send_recv", "deadlock"] {
            let t = fixture(name);
            let n = t.events.len();
            for every in [1, 3, 4, 7, 1000] {
                let mut p = player(&t, every);
                p.seek(usize::MAX);
                assert_eq!(p.position(), n);
                assert!(*p.model() == rebuilt(&t.header, &t.events, n));
                // Back one event at a time, from the end to the start.
                for k in (0..n).rev() {
                    p.seek(k);
                    assert_eq!(p.position(), k);
                    assert!(
                        *p.model() == rebuilt(&t.header, &t.events, k),
                        "{name}: back to {k} with a checkpoint every {every}"
                    );
                }
                assert_eq!(p.checkpoints(), n / every + 1);
            }
        }
    }

    #[test]
    fn any_jump_gives_the_state_rebuilt_from_the_start() {
        let t = fixture("ring");
        let n = t.events.len();
        let mut p = player(&t, 5);
        // Forwards and back in big and small jumps, before and after the
        // checkpoints exist.
        for target in [3, 17, 2, 0, n, 11, 10, 9, n - 1, 40, 5, 6, 0, 25, n + 10] {
            p.seek(target);
            let want = target.min(n);
            assert_eq!(p.position(), want);
            assert!(
                *p.model() == rebuilt(&t.header, &t.events, want),
                "{target}"
            );
        }
    }

    #[test]
    fn duplicates_stay_out_of_the_restored_history() {
        // A damaged recording: some events twice, one twice in a row.
        let t = fixture("ring");
        let mut events = Vec::new();
        for (i, e) in t.events.iter().enumerate() {
            events.push(e.clone());
            if i % 5 == 0 {
                events.push(e.clone());
            }
        }
        events.push(t.events[3].clone());
        let last = events
            .iter()
            .rev()
            .find(|e| matches!(e.event, EventKind::RunEnded { .. }));
        events.push(last.unwrap().clone());
        let damaged = Trace { events, ..t };
        let n = damaged.events.len();
        let mut p = player(&damaged, 4);
        p.seek(n);
        for k in (0..n).rev().step_by(3) {
            p.seek(k);
            let want = rebuilt(&damaged.header, &damaged.events, k);
            assert!(*p.model() == want, "back to {k}");
            assert!(p.model().recent().eq(want.recent()));
        }
    }

    #[test]
    fn a_long_run_steps_back_to_the_state_rebuilt_from_the_start() {
        // More events than the model's history, more calls per rank than
        // its timeline keeps: a ring of 3 ranks, 1000 laps.
        let mut s = Script::new("ring", 3);
        for lap in 0..1000 {
            for r in 0..3 {
                s.at(f64::from(lap) + f64::from(r) / 10.0);
                let to = (r + 1) % 3;
                let (send, msg) = s.send(r, to, 1, 1, 10);
                s.end(r, &send);
                let recv = s.recv(to, Source::Rank(r), TagSel::Tag(1), 1, 20);
                s.end_received(to, &recv, &[(recv.id, msg)]);
            }
            s.say(0, &format!("lap {lap}"));
        }
        let n = s.events.len();
        assert!(n > HISTORY);
        let mut p = Player::with_interval(s.header.clone(), Packed::from_events(&s.events), 1000);
        p.seek(n);
        let spans = |m: &Model| m.timeline().spans(1).count();
        assert_eq!(spans(p.model()), crate::model::TIMELINE_KEPT);
        for k in [n - 1, n - 999, 10_001, 10_000, 9_999, 4_321, 0, n] {
            p.seek(k);
            let want = rebuilt(&s.header, &s.events, k);
            assert!(*p.model() == want, "back to {k}");
            assert!(p.model().timeline().spans(2).eq(want.timeline().spans(2)));
        }
    }

    #[test]
    fn the_history_is_restored_across_many_checkpoints() {
        // More events than the model keeps in its history.
        let header = Header::new("x", 2, "t", 0.0);
        let events: Vec<Event> = (0..(HISTORY as u64 + 500))
            .map(|seq| Event {
                rank: (seq % 2) as u32,
                seq: seq / 2,
                t: seq as f64,
                event: EventKind::Say {
                    text: format!("{seq}"),
                },
            })
            .collect();
        let mut p = Player::with_interval(header.clone(), Packed::from_events(&events), 1000);
        p.seek(events.len());
        for k in [events.len() - 1, HISTORY + 1, HISTORY, 5000, 999, 0] {
            p.seek(k);
            assert!(*p.model() == rebuilt(&header, &events, k), "back to {k}");
        }
    }
}
