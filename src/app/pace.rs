//! The classroom pace: ranks held before their MPI calls are let go one at
//! a time, at a set rate, or one per keypress while paused.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::view;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceMode {
    /// Ranks run freely.
    Free,
    /// One held call released per interval.
    Paced,
    /// Nothing released until the teacher steps.
    Paused,
}

pub struct Pacer {
    pub mode: PaceMode,
    /// Calls released per second in `Paced` mode.
    pub speed: f64,
    held: VecDeque<u32>,
    last_release: Option<Instant>,
}

pub const DEFAULT_SPEED: f64 = 2.0;
/// The shortest crossing: five frames, still seen to move.
const MIN_FLIGHT: f64 = 0.15;
const SPEEDS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0];

impl Pacer {
    pub fn new(mode: PaceMode, speed: f64) -> Self {
        Pacer {
            mode,
            speed,
            held: VecDeque::new(),
            last_release: None,
        }
    }

    /// A rank reported that it is held before a call.
    pub fn held(&mut self, rank: u32) {
        if !self.held.contains(&rank) {
            self.held.push_back(rank);
        }
    }

    /// Ranks waiting for permission, oldest first.
    pub fn waiting(&self) -> impl Iterator<Item = u32> + '_ {
        self.held.iter().copied()
    }

    /// How long an envelope takes to cross the screen: the view's full
    /// second at the default pace and slower, shorter at faster paces so
    /// that a message lands before the calls that follow it are let go
    /// (a 64-rank ring at 16 calls/s would otherwise queue a dozen
    /// envelopes behind each other).
    pub fn flight(&self) -> Duration {
        let calls_per_flight = view::FLIGHT_SECONDS * DEFAULT_SPEED;
        let secs =
            (calls_per_flight / self.speed.max(0.01)).clamp(MIN_FLIGHT, view::FLIGHT_SECONDS);
        Duration::from_secs_f64(secs)
    }

    /// Which rank to release now, if any (call on every tick).
    pub fn due(&mut self, now: Instant) -> Option<u32> {
        if self.mode != PaceMode::Paced || self.held.is_empty() {
            return None;
        }
        let interval = Duration::from_secs_f64(1.0 / self.speed.max(0.01));
        if self
            .last_release
            .is_some_and(|t| now.duration_since(t) < interval)
        {
            return None;
        }
        self.last_release = Some(now);
        self.held.pop_front()
    }

    /// One step while paused: `prefer`'s held call if it has one, else the
    /// oldest.
    pub fn step(&mut self, prefer: Option<u32>) -> Option<u32> {
        let i = prefer
            .and_then(|r| self.held.iter().position(|&h| h == r))
            .unwrap_or(0);
        self.held.remove(i)
    }

    /// Every held rank, to release them all (leaving the gated mode).
    pub fn release_all(&mut self) -> Vec<u32> {
        self.held.drain(..).collect()
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
mod tests {
    use super::*;

    #[test]
    fn paced_releases_one_per_interval() {
        let mut p = Pacer::new(PaceMode::Paced, 2.0);
        p.held(3);
        p.held(1);
        let t0 = Instant::now();
        assert_eq!(p.due(t0), Some(3));
        assert_eq!(p.due(t0 + Duration::from_millis(100)), None);
        assert_eq!(p.due(t0 + Duration::from_millis(600)), Some(1));
    }

    #[test]
    fn paused_releases_only_on_step_and_prefers_the_chosen_rank() {
        let mut p = Pacer::new(PaceMode::Paused, 2.0);
        p.held(0);
        p.held(1);
        assert_eq!(p.due(Instant::now()), None);
        assert_eq!(p.step(Some(1)), Some(1));
        assert_eq!(p.step(Some(1)), Some(0), "falls back to the oldest");
        assert_eq!(p.step(None), None);
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
        // At every pace a message lands within two releases of its send.
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
}
