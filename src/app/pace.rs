//! The classroom pace, as rank 0 sets it. Ranks pace themselves (each
//! lets at least a set time pass between the starts of its own calls), so
//! at the classroom pace rank 0 only tells them how fast; while paused it
//! steps them: `n` is a tick that lets every held rank make one call, and
//! with a rank chosen, that rank alone. docs/pacing.md tells the design.

use std::time::{Duration, Instant};

use crate::probe::Control;
use crate::trace::Call;
use crate::view;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceMode {
    /// Ranks run freely.
    Free,
    /// Each rank makes at most `speed` calls per second, on its own.
    Paced,
    /// Nothing moves until the teacher steps.
    Paused,
}

pub struct Pacer {
    pub mode: PaceMode,
    /// Calls per second each rank makes at most in `Paced` mode.
    pub speed: f64,
    /// Ranks shown stopped before a call, in the order they stopped, and
    /// whether that call only sends.
    held: Vec<(u32, bool)>,
    /// The rest of the tick under way, if any.
    tick: Option<Tick>,
}

/// Within a tick, calls that may wait (receives, waits, collectives) go
/// first and calls that only send go once the others are seen in their
/// calls: of the orders MPI allows for calls made "at once", the one that
/// shows a receive waiting for its message.
struct Tick {
    /// Ranks let go first whose call has not been shown yet.
    awaiting: Vec<u32>,
    /// The senders, let go after them.
    later: Vec<u32>,
    started: Instant,
}

pub const DEFAULT_SPEED: f64 = 2.0;
/// The shortest crossing: five frames, still seen to move.
const MIN_FLIGHT: f64 = 0.15;
const SPEEDS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0];
/// How long a tick's senders wait for the calls let go before them to be
/// shown: a rank whose call is not reported by then (it is slow to start
/// it) does not hold the tick up.
const TICK_PATIENCE: Duration = Duration::from_millis(500);

impl Pacer {
    pub fn new(mode: PaceMode, speed: f64) -> Self {
        Pacer {
            mode,
            speed,
            held: Vec::new(),
            tick: None,
        }
    }

    /// What the ranks are told for the current mode and speed.
    pub fn control(&self) -> Control {
        match self.mode {
            PaceMode::Free => Control::Free,
            PaceMode::Paced => Control::Paced(self.per_call()),
            PaceMode::Paused => Control::Gated,
        }
    }

    /// The least time from the start of one call of a rank to its next.
    pub fn per_call(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.speed.max(0.01))
    }

    /// A rank was shown stopped before `call`.
    pub fn held(&mut self, rank: u32, call: &Call) {
        let only_sends = call.send.is_some() && call.recv.is_none() && call.collective.is_none();
        self.held.retain(|&(r, _)| r != rank);
        self.held.push((rank, only_sends));
    }

    /// A rank was shown doing anything else: it is no longer held, and a
    /// tick waiting to see it in its call has.
    pub fn moved(&mut self, rank: u32) {
        self.held.retain(|&(r, _)| r != rank);
        if let Some(tick) = &mut self.tick {
            tick.awaiting.retain(|&r| r != rank);
        }
    }

    /// Ranks stopped before a call, in the order they stopped.
    pub fn waiting(&self) -> impl Iterator<Item = u32> + '_ {
        self.held.iter().map(|&(r, _)| r)
    }

    /// How long an envelope takes to cross the screen: the view's full
    /// second at the default pace and slower, shorter at faster paces so
    /// that a message lands about when its receiver's next call may start
    /// (a 64-rank ring at 16 calls/s would otherwise queue a dozen
    /// envelopes behind each other).
    pub fn flight(&self) -> Duration {
        let calls_per_flight = view::FLIGHT_SECONDS * DEFAULT_SPEED;
        let secs =
            (calls_per_flight / self.speed.max(0.01)).clamp(MIN_FLIGHT, view::FLIGHT_SECONDS);
        Duration::from_secs_f64(secs)
    }

    /// One step while paused: the rest of the tick under way if there is
    /// one; else `only`, if it is held; else a new tick, whose first ranks
    /// are returned (the senders follow from [`Pacer::due`]).
    pub fn step(&mut self, only: Option<u32>, now: Instant) -> Vec<u32> {
        if let Some(tick) = self.tick.take() {
            return tick.later;
        }
        if let Some(rank) = only {
            let held = self.waiting().any(|r| r == rank);
            self.moved(rank);
            return if held { vec![rank] } else { Vec::new() };
        }
        let (later, first): (Vec<_>, Vec<_>) = self.held.drain(..).partition(|&(_, s)| s);
        let first: Vec<u32> = first.into_iter().map(|(r, _)| r).collect();
        let later: Vec<u32> = later.into_iter().map(|(r, _)| r).collect();
        if first.is_empty() {
            return later;
        }
        if !later.is_empty() {
            self.tick = Some(Tick {
                awaiting: first.clone(),
                later,
                started: now,
            });
        }
        first
    }

    /// The senders of the tick under way, once the ranks let go before
    /// them are seen in their calls (or have had [`TICK_PATIENCE`]).
    pub fn due(&mut self, now: Instant) -> Vec<u32> {
        let ready = self.tick.as_ref().is_some_and(|t| {
            t.awaiting.is_empty() || now.saturating_duration_since(t.started) >= TICK_PATIENCE
        });
        match self.tick.take() {
            Some(tick) if ready => tick.later,
            other => {
                self.tick = other;
                Vec::new()
            }
        }
    }

    /// Forgets who is held, leaving the paused mode: the new mode's
    /// command lets them all go.
    pub fn forget_held(&mut self) {
        self.held.clear();
        self.tick = None;
    }

    pub fn faster(&mut self) {
        self.speed = SPEEDS
            .iter()
            .copied()
            .find(|&s| s > self.speed + 1e-9)
            .unwrap_or(self.speed);
    }

    pub fn slower(&mut self) {
        self.speed = SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|&s| s < self.speed - 1e-9)
            .unwrap_or(self.speed);
    }
}

#[cfg(test)]
mod tests;
